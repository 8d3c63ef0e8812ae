"""countTokens: what the SDK sends for the Developer API, and the same count as billed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors

from emobatch.emulator import EmulatorServer, ManualClock
from emobatch.tokens import request_prompt_tokens

from .helpers import (
    TEXTS,
    make_client,
    output_lines,
    raw,
    request_line,
    submit,
    wait_done,
    write_jsonl,
)

Start = Callable[..., EmulatorServer]
SYSTEM = "Code the emotion of the post."  # the system instruction request_line() sends
MODEL = "gemini-3.5-flash"
LEVEL = {"responseMimeType": "application/json", "thinkingConfig": {"thinkingLevel": "LOW"}}


def _billed(client: genai.Client, tmp_path: Path, lines: list[dict[str, Any]]) -> dict[str, int]:
    job = submit(client, write_jsonl(tmp_path / "in.jsonl", lines), "billed", MODEL)
    out = output_lines(client, wait_done(client, job.name))
    return {line["key"]: line["response"]["usageMetadata"]["promptTokenCount"] for line in out}


@pytest.fixture
def client(start_emulator: Start, clock: ManualClock) -> genai.Client:
    return make_client(start_emulator(clock=clock))


def test_sdk_count_tokens_equals_the_billed_prompt(client: genai.Client, tmp_path: Path) -> None:
    line = request_line("no-system", TEXTS[3], LEVEL)
    del line["request"]["systemInstruction"]
    counted = client.models.count_tokens(model=MODEL, contents=TEXTS[3])
    assert counted.total_tokens == request_prompt_tokens(line["request"])
    assert _billed(client, tmp_path, [line]) == {"no-system": counted.total_tokens}
    generated = client.models.generate_content(
        model=MODEL, contents=TEXTS[3], config={"thinking_config": {"thinking_level": "LOW"}}
    )
    assert generated.usage_metadata.prompt_token_count == counted.total_tokens


def test_sdk_refuses_a_system_instruction_for_the_developer_api(client: genai.Client) -> None:
    # google-genai 3.6.1 raises before sending anything (_CountTokensConfig_to_mldev)
    with pytest.raises(ValueError, match="system_instruction parameter is only supported"):
        client.models.count_tokens(
            model=MODEL, contents=TEXTS[0], config={"system_instruction": SYSTEM}
        )


def test_system_instruction_through_a_generate_content_request(
    client: genai.Client, tmp_path: Path
) -> None:
    line = request_line("k", TEXTS[1], LEVEL)
    body = {"generateContentRequest": {"model": f"models/{MODEL}", **line["request"]}}
    # the REST method's other form, sent by the SDK's own transport (key in the header)
    response = client._api_client.request("post", f"models/{MODEL}:countTokens", body)
    counted = json.loads(response.body)
    assert counted["totalTokens"] == request_prompt_tokens(line["request"])
    assert counted["promptTokensDetails"] == [
        {"modality": "TEXT", "tokenCount": counted["totalTokens"]}
    ]
    assert _billed(client, tmp_path, [line]) == {"k": counted["totalTokens"]}
    # the pipeline's workaround: the system instruction as a leading content counts the same
    leading = [{"role": "user", "parts": [{"text": SYSTEM}]}, *line["request"]["contents"]]
    assert (
        client.models.count_tokens(model=MODEL, contents=leading).total_tokens
        == (counted["totalTokens"])
    )


def test_count_tokens_rejects_what_the_service_rejects(
    client: genai.Client, start_emulator: Start, clock: ManualClock
) -> None:
    server = start_emulator(clock=clock)
    contents = [{"role": "user", "parts": [{"text": "x"}]}]
    both = {"contents": contents, "generateContentRequest": {"contents": contents}}
    assert raw(server, "POST", f"/v1beta/models/{MODEL}:countTokens", both)[0] == 400
    assert raw(server, "POST", f"/v1beta/models/{MODEL}:countTokens", {"content": 1})[0] == 400
    bad_role = {"contents": [{"role": "robot", "parts": [{"text": "x"}]}]}
    assert raw(server, "POST", f"/v1beta/models/{MODEL}:countTokens", bad_role)[0] == 400
    with pytest.raises(errors.ClientError) as err:
        client.models.count_tokens(model="gemini-9-ultra", contents="x")
    assert err.value.code == 404
    # the routed model counts too (it keeps its own contract)
    assert client.models.count_tokens(model="gemini-2.5-flash", contents="x").total_tokens == 2
