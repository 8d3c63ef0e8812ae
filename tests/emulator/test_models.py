"""models.get / models.list through the SDK, catalogue status and routing of shut-down models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from google import genai
from google.genai import errors, types

from emobatch.catalogue import load_catalogue
from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import (
    JSON_GENERATION,
    TEXTS,
    make_client,
    output_lines,
    raw,
    submit,
    wait_done,
    write_requests,
)

Start = Callable[..., EmulatorServer]
ACTIONS = ["generateContent", "countTokens", "batchGenerateContent"]


def test_get_a_catalogue_model(start_emulator: Start, clock: ManualClock) -> None:
    client = make_client(start_emulator(clock=clock))
    model = client.models.get(model="gemini-3.8-flash")
    assert model.name == "models/gemini-3.8-flash"
    assert model.display_name == "Gemini 3.8 Flash" and model.version == "001"
    assert model.supported_actions == ACTIONS  # REST supportedGenerationMethods
    assert model.input_token_limit == 1_048_576 and model.output_token_limit == 65_536
    assert model.thinking is True
    assert client.models.get(model="models/gemini-3.1-flash-lite").name == (
        "models/gemini-3.1-flash-lite"
    )


def test_list_pages_like_the_real_service(start_emulator: Start, clock: ManualClock) -> None:
    server = start_emulator(clock=clock, extra_models=["my-tuned-model"])
    client = make_client(server)
    served = [m.name for m in client.models.list(config={"page_size": 2})]
    catalogue = [f"models/{name}" for name in load_catalogue().names()]
    # every catalogue model (the shut-down 2.5 ones are routed, so still listed) + extras
    assert served == [*catalogue, "models/my-tuned-model"]
    status, first = raw(server, "GET", "/v1beta/models?pageSize=3")
    assert status == 200 and len(first["models"]) == 3 and first["nextPageToken"]
    status, rest = raw(
        server, "GET", f"/v1beta/models?pageSize=100&pageToken={first['nextPageToken']}"
    )
    assert [m["name"] for m in first["models"] + rest["models"]] == served
    assert "nextPageToken" not in rest
    assert raw(server, "GET", "/v1beta/models?pageToken=bogus")[0] == 400
    plain = next(m for m in rest["models"] if m["name"] == "models/my-tuned-model")
    assert plain["thinking"] is False and plain["supportedGenerationMethods"] == ACTIONS


def test_unknown_model_is_404(start_emulator: Start, clock: ManualClock) -> None:
    client = make_client(start_emulator(clock=clock))
    with pytest.raises(errors.ClientError) as err:
        client.models.get(model="gemini-9-ultra")
    assert err.value.code == 404 and err.value.status == "NOT_FOUND"


def test_routed_model_is_served_under_its_name(start_emulator: Start, clock: ManualClock) -> None:
    client = make_client(start_emulator(clock=clock))
    model = client.models.get(model="gemini-2.5-flash")
    assert model.name == "models/gemini-2.5-flash"
    assert model.display_name == "Gemini 3.5 Flash-Lite"  # the successor answers
    assert "answered by gemini-3.5-flash-lite" in (model.description or "")
    assert "shut down on 2026-12-01" in (model.description or "")


def test_routed_batch_is_answered_by_the_successor(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    client = make_client(start_emulator(clock=clock))
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:2]), "routed")
    assert job.model == "models/gemini-2.5-flash"  # the job keeps the requested name
    lines = output_lines(client, wait_done(client, job.name))
    # the request kept 2.5-flash's contract (thinkingBudget 0 is accepted) ...
    assert all("response" in line for line in lines)
    # ... and the answer says who answered, as the real service does
    assert {line["response"]["modelVersion"] for line in lines} == {"gemini-3.5-flash-lite"}
    job = submit(
        client, write_requests(tmp_path / "b.jsonl", TEXTS[:1]), "direct", "gemini-3.5-flash"
    )
    assert "error" in output_lines(client, wait_done(client, job.name))[0]  # budget on 3.x


def test_without_catalogue_routing_shut_down_models_404(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    client = make_client(start_emulator(clock=clock, catalogue_routing=False))
    with pytest.raises(errors.ClientError) as err:
        client.models.get(model="gemini-2.5-flash")
    assert err.value.code == 404
    names = {m.name for m in client.models.list()}
    assert "models/gemini-2.5-flash" not in names and "models/gemini-2.5-pro" not in names
    with pytest.raises(errors.ClientError) as err:
        submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    assert err.value.code == 404 and "batchGenerateContent" in (err.value.message or "")


def test_explicit_routes_extend_and_override(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    routes = {"gemini-2.5-flash": "gemini-3.8-flash", "my-alias": "gemini-3.1-flash-lite"}
    server = start_emulator(clock=clock, routes=routes, catalogue_routing=False)
    client = make_client(server)
    assert client.models.get(model="my-alias").display_name == "Gemini 3.1 Flash-Lite"
    assert "models/my-alias" in {m.name for m in client.models.list()}
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]), "override")
    (line,) = output_lines(client, wait_done(client, job.name))
    assert line["response"]["modelVersion"] == "gemini-3.8-flash"
    level = {**JSON_GENERATION, "thinkingConfig": {"thinkingLevel": "LOW"}}
    job = submit(
        client, write_requests(tmp_path / "a.jsonl", TEXTS[:1], level), "alias", "my-alias"
    )
    (line,) = output_lines(client, wait_done(client, job.name))
    assert line["response"]["modelVersion"] == "gemini-3.1-flash-lite"


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"gemini-2.5-flash": "gemini-9-ultra"}, "not a model the emulator serves"),
        ({"gemini-3.5-flash": "gemini-3.8-flash", "gemini-3.8-flash": "gemini-3.5-flash"}, "cycle"),
        ({"gemini-3.5-flash": "gemini-3.5-flash"}, "itself"),
    ],
)
def test_bad_routes_are_refused(tmp_path: Path, routes: dict[str, str], message: str) -> None:
    from emobatch.emulator import create_server

    with pytest.raises(ValueError, match=message):
        create_server(tmp_path / "s", routes=routes)


def test_a_shutdown_date_passing_on_the_clock(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    server = start_emulator(clock=clock)
    client = make_client(server)
    assert client.models.get(model="gemini-3.1-flash-lite").name
    clock.set(dt.datetime(2027, 5, 7))  # the catalogue's shutdown of gemini-3.1-flash-lite
    with pytest.raises(errors.ClientError) as err:  # after_shutdown: fails
        client.models.get(model="gemini-3.1-flash-lite")
    assert err.value.code == 404
    assert "models/gemini-3.1-flash-lite" not in {m.name for m in client.models.list()}


def test_any_version_and_resource_fields(start_emulator: Start, clock: ManualClock) -> None:
    server = start_emulator(clock=clock)
    client = genai.Client(
        api_key="k", http_options=types.HttpOptions(base_url=server.base_url, api_version="v1")
    )
    assert client.models.get(model="gemini-3.5-flash").name == "models/gemini-3.5-flash"
    _, body = raw(server, "GET", "/v1beta/models/gemini-3.5-flash")
    assert set(body) == {
        "name", "version", "displayName", "description", "inputTokenLimit",
        "outputTokenLimit", "supportedGenerationMethods", "temperature", "topP", "topK",
        "maxTemperature", "thinking",
    }  # fmt: skip
