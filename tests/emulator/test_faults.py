"""Every injectable fault, seen through the real SDK the way the real service presents it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from google.genai import errors, types

from emobatch.emulator import EmulatorServer, FaultPlan, FaultPlanError, parse_fault_spec

from .helpers import (
    EMOTION_JSON_SCHEMA,
    TEXTS,
    answer_text,
    make_client,
    output_lines,
    raw,
    request_line,
    submit,
    upload,
    wait_done,
    write_jsonl,
    write_requests,
)

Start = Callable[..., EmulatorServer]


def plan(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"faults": list(rules)}


def keyed_file(tmp_path: Path, n: int, generation: dict[str, Any] | None = None) -> Path:
    gen = generation or {"responseMimeType": "application/json"}
    lines = [request_line(f"r{i:02d}", TEXTS[i % len(TEXTS)], gen) for i in range(n)]
    return write_jsonl(tmp_path / "keyed.jsonl", lines)


# -- request-level faults ------------------------------------------------------------------
def test_429_on_create_is_resource_exhausted(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(
        faults=plan({"kind": "http_error", "operation": "batches_create", "status": 429, "nth": 1})
    )
    client = make_client(server)
    with pytest.raises(errors.ClientError) as err:
        submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    assert err.value.code == 429 and err.value.status == "RESOURCE_EXHAUSTED"
    assert err.value.details["error"]["details"][0]["@type"].endswith("google.rpc.Help")
    assert list(client.batches.list()) == []  # nothing was created
    submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))  # the 2nd call passes


@pytest.mark.parametrize(("status", "name"), [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_5xx_on_get_is_server_error(
    start_emulator: Start, tmp_path: Path, status: int, name: str
) -> None:
    server = start_emulator(
        faults=plan(
            {"kind": "http_error", "operation": "batches_get", "status": status, "nth": [1]}
        )
    )
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    with pytest.raises(errors.ServerError) as err:
        client.batches.get(name=job.name)
    assert err.value.code == status and err.value.status == name
    assert client.batches.get(name=job.name).done


def test_errors_on_file_operations(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(
        faults=plan(
            {"kind": "http_error", "operation": "upload_start", "status": 503, "nth": 1},
            # one rule, two operations: its counter counts calls of either
            {
                "kind": "http_error",
                "operation": ["files_get", "files_list"],
                "status": 500,
                "nth": [1, 2],
            },
            {"kind": "http_error", "operation": "files_download", "status": 503, "nth": 1},
        )
    )
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    with pytest.raises(errors.ServerError):
        upload(client, path)
    uploaded = upload(client, path)
    with pytest.raises(errors.ServerError):
        client.files.get(name=uploaded.name)
    with pytest.raises(errors.ServerError):
        list(client.files.list())
    job = wait_done(client, client.batches.create(model="gemini-2.5-flash", src=uploaded.name).name)
    with pytest.raises(errors.ServerError) as err:
        client.files.download(file=job.dest.file_name)
    assert err.value.code == 503
    assert len(output_lines(client, job)) == 1
    assert server.stats()["faults_fired"] == {"http_error": 4}


def test_chunk_error_is_retried_by_the_sdk_upload_loop(
    start_emulator: Start, tmp_path: Path
) -> None:
    server = start_emulator(
        faults=plan({"kind": "http_error", "operation": "upload_chunk", "status": 503, "nth": 1})
    )
    client = make_client(server)
    started = time.monotonic()
    uploaded = upload(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    assert uploaded.state == types.FileState.ACTIVE
    assert time.monotonic() - started >= 1.0  # the SDK slept 1 s before resending the chunk
    assert server.stats()["calls"]["upload_chunk"] == 2


def test_rate_faults_are_deterministic(start_emulator: Start, tmp_path: Path) -> None:
    rule = {"kind": "http_error", "operation": "batches_list", "status": 503, "rate": 0.5}

    def pattern(state: Path, seed: int) -> list[bool]:
        client = make_client(start_emulator(state, faults=plan(rule), seed=seed))
        out = []
        for _ in range(16):
            try:
                client.batches.list()
                out.append(False)
            except errors.ServerError:
                out.append(True)
        return out

    first = pattern(tmp_path / "s1", 7)
    assert first == pattern(tmp_path / "s2", 7)
    assert 2 <= sum(first) <= 14
    assert first != pattern(tmp_path / "s3", 8)


def test_nth_call_is_counted_across_processes(start_emulator: Start, tmp_path: Path) -> None:
    rules = plan({"kind": "http_error", "operation": "batches_list", "status": 500, "nth": [2]})
    a, b = start_emulator(faults=rules), start_emulator(faults=rules)
    client_a, client_b = make_client(a), make_client(b)
    client_a.batches.list()
    with pytest.raises(errors.ServerError):
        client_b.batches.list()
    client_a.batches.list()


def test_dropped_connection(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(
        faults=plan({"kind": "drop_connection", "operation": "batches_get", "nth": 1})
    )
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    with pytest.raises(httpx2.RemoteProtocolError):
        client.batches.get(name=job.name)
    assert client.batches.get(name=job.name).done


def test_slow_response(start_emulator: Start) -> None:
    server = start_emulator(
        faults=plan({"kind": "delay", "operation": "batches_list", "seconds": 0.4})
    )
    client = make_client(server)
    started = time.monotonic()
    client.batches.list()
    assert time.monotonic() - started >= 0.4
    impatient = make_client(server, timeout_ms=100)
    with pytest.raises(httpx2.TimeoutException):
        impatient.batches.list()


def test_lost_create_response(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(
        faults=plan({"kind": "lost_create_response", "display_name": "chunk-*", "nth": 1})
    )
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    with pytest.raises(httpx2.RemoteProtocolError):
        submit(client, path, "chunk-0001")
    listed = list(client.batches.list())
    assert [j.display_name for j in listed] == ["chunk-0001"]  # reconcile by displayName
    assert wait_done(client, listed[0].name).state == types.JobState.JOB_STATE_SUCCEEDED
    submit(client, path, "chunk-0002")  # only the first matching create lost its answer
    assert server.stats()["creates_by_display_name"] == {"chunk-0001": 1, "chunk-0002": 1}


# -- job-level faults ----------------------------------------------------------------------
def test_job_failed_for_nth_job(
    start_emulator: Start, server: EmulatorServer, tmp_path: Path
) -> None:
    server = start_emulator(faults=plan({"kind": "job_failed", "nth_job": [2], "message": "boom"}))
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    first = wait_done(client, submit(client, path, "one").name)
    second = wait_done(client, submit(client, path, "two").name)
    assert first.state == types.JobState.JOB_STATE_SUCCEEDED
    assert second.state == types.JobState.JOB_STATE_FAILED and second.done and second.dest is None
    _, op = raw(server, "GET", f"/v1beta/{second.name}")
    assert op["done"] is True and op["error"] == {"code": 13, "message": "boom"}
    assert op["metadata"]["batchStats"] == {"requestCount": "1", "failedRequestCount": "1"}


def test_job_expired_after_polls(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "job_expired", "after_polls": 2}))
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]), "stalls")
    polls = [client.batches.get(name=job.name) for _ in range(3)]
    assert [p.done for p in polls] == [False, False, True]
    assert polls[-1].state == types.JobState.JOB_STATE_EXPIRED and polls[-1].dest is None
    assert server.stats()["jobs_by_state"] == {"BATCH_STATE_EXPIRED": 1}


def test_job_expired_for_nth_job(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "job_expired", "nth_job": [1]}))
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    first = wait_done(client, submit(client, path, "a").name)
    second = wait_done(client, submit(client, path, "b").name)
    assert first.state == types.JobState.JOB_STATE_EXPIRED and first.done
    assert second.state == types.JobState.JOB_STATE_SUCCEEDED


def test_job_expired_by_display_name(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "job_expired", "display_name": "doomed-*"}))
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    doomed = wait_done(client, submit(client, path, "doomed-1").name)
    fine = wait_done(client, submit(client, path, "fine-1").name)
    assert doomed.state == types.JobState.JOB_STATE_EXPIRED and doomed.done
    assert fine.state == types.JobState.JOB_STATE_SUCCEEDED


# -- row-level faults ----------------------------------------------------------------------
def _run(server: EmulatorServer, path: Path, name: str = "rows") -> list[dict[str, Any]]:
    client = make_client(server)
    return output_lines(client, wait_done(client, submit(client, path, name).name))


def test_row_errors_by_key_and_rate(start_emulator: Start, tmp_path: Path) -> None:
    rules = plan(
        {"kind": "row_error", "keys": ["r03"], "code": 400, "message": "bad row"},
        {"kind": "row_error", "rate": 0.3},
    )
    path = keyed_file(tmp_path, 30)
    first = _run(start_emulator(tmp_path / "a", faults=rules, seed=3), path)
    errs = {line["key"]: line["error"] for line in first if "error" in line}
    assert errs["r03"] == {"code": 400, "message": "bad row", "status": "INVALID_ARGUMENT"}
    assert 3 <= len(errs) <= 20
    assert all(
        e["code"] == 500 and e["status"] == "INTERNAL" for k, e in errs.items() if k != "r03"
    )
    again = _run(start_emulator(tmp_path / "b", faults=rules, seed=3), path)
    assert {line["key"] for line in again if "error" in line} == set(errs)


def test_malformed_output(start_emulator: Start, tmp_path: Path) -> None:
    from .helpers import JSON_GENERATION

    rules = plan(
        {"kind": "malformed_output", "keys": ["r00"], "mode": "invalid_json"},
        {"kind": "malformed_output", "keys": ["r01"], "mode": "schema_violation"},
        {"kind": "malformed_output", "keys": ["r02"], "mode": "fenced"},
    )
    lines = {
        x["key"]: x
        for x in _run(start_emulator(faults=rules), keyed_file(tmp_path, 4, JSON_GENERATION))
    }
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer_text(lines["r00"]))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(answer_text(lines["r01"])), EMOTION_JSON_SCHEMA)
    fenced = answer_text(lines["r02"])
    assert fenced.startswith("```json\n") and fenced.endswith("\n```")
    jsonschema.validate(json.loads(answer_text(lines["r03"])), EMOTION_JSON_SCHEMA)
    for line in lines.values():
        types.GenerateContentResponse.model_validate(line["response"])


def test_finish_reasons(start_emulator: Start, tmp_path: Path) -> None:
    rules = plan(
        {"kind": "finish_reason", "keys": ["r00"], "reason": "SAFETY"},
        {"kind": "finish_reason", "keys": ["r01"], "reason": "MAX_TOKENS"},
        {"kind": "finish_reason", "keys": ["r02"], "reason": "RECITATION"},
    )
    gen = {"responseMimeType": "application/json", "thinkingConfig": {"thinkingBudget": 0}}
    lines = {x["key"]: x for x in _run(start_emulator(faults=rules), keyed_file(tmp_path, 4, gen))}
    safety = types.GenerateContentResponse.model_validate(lines["r00"]["response"])
    assert safety.candidates[0].finish_reason == types.FinishReason.SAFETY
    assert safety.candidates[0].content is None and safety.text is None
    assert safety.candidates[0].safety_ratings[0].blocked is True
    truncated = lines["r01"]["response"]
    assert truncated["candidates"][0]["finishReason"] == "MAX_TOKENS"
    full = answer_text(lines["r03"])
    assert len(answer_text(lines["r01"])) < len(full)
    recitation = types.GenerateContentResponse.model_validate(lines["r02"]["response"])
    assert recitation.candidates[0].finish_reason == types.FinishReason.RECITATION
    assert recitation.text is None


def test_shuffled_output(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "shuffle_output"}), seed=1)
    lines = _run(server, keyed_file(tmp_path, 20))
    keys = [line["key"] for line in lines]
    assert sorted(keys) == [f"r{i:02d}" for i in range(20)] and keys != sorted(keys)
    client = make_client(server)
    inline = [
        {"contents": [{"parts": [{"text": t}], "role": "user"}], "metadata": {"key": f"i{i}"}}
        for i, t in enumerate(TEXTS * 2)
    ]
    job = wait_done(client, client.batches.create(model="gemini-2.5-flash", src=inline).name)
    order = [r.metadata["key"] for r in job.dest.inlined_responses]
    assert sorted(order) == sorted(f"i{i}" for i in range(10)) and order != [
        f"i{i}" for i in range(10)
    ]


# -- switches ------------------------------------------------------------------------------
def test_result_file_id_quirk(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "long_result_file_id"}))
    client = make_client(server)
    job = wait_done(client, submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:2])).name)
    with pytest.raises(errors.ClientError) as err:
        client.files.get(name=job.dest.file_name)
    assert err.value.code == 400 and err.value.status == "INVALID_ARGUMENT"
    assert "cannot be more than 40 characters" in err.value.message
    with pytest.raises(errors.ClientError):
        client.files.delete(name=job.dest.file_name)
    assert len(output_lines(client, job)) == 2  # download still works


def test_jsonl_mime_type_rejected(start_emulator: Start, tmp_path: Path) -> None:
    server = start_emulator(faults=plan({"kind": "reject_mime_type", "mime_types": ["jsonl"]}))
    client = make_client(server)
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    with pytest.raises(errors.ClientError) as err:
        client.files.upload(file=str(path), config={"mime_type": "jsonl"})
    assert err.value.code == 400 and err.value.message == "Unsupported MIME type: jsonl"
    assert client.files.upload(file=str(path), config={"mime_type": "application/jsonl"}).name


def test_jsonl_rejected_at_finalize_surfaces_as_keyerror(
    start_emulator: Start, tmp_path: Path
) -> None:
    server = start_emulator(faults=plan({"kind": "reject_mime_type", "at": "finalize"}))
    client = make_client(server)
    with pytest.raises(KeyError, match="file"):
        client.files.upload(
            file=str(write_requests(tmp_path / "in.jsonl")), config={"mime_type": "jsonl"}
        )


# -- plan parsing --------------------------------------------------------------------------
def test_plan_file_and_cli_specs(tmp_path: Path) -> None:
    yaml_plan = tmp_path / "plan.yaml"
    yaml_plan.write_text(
        "faults:\n"
        "  - kind: http_error\n    operation: batches_get\n    status: 503\n    nth: [1, 3]\n"
    )
    loaded = FaultPlan.load(yaml_plan)
    assert loaded.rules[0].get("nth") == [1, 3] and loaded.rules[0].get("operation") == [
        "batches_get"
    ]
    json_plan = tmp_path / "plan.json"
    json_plan.write_text(json.dumps([{"kind": "row_error", "rate": 0.1}]))
    assert FaultPlan.load(json_plan).rules[0].kind == "row_error"
    assert parse_fault_spec("http_error:operation=batches_get,status=503,nth=1|2") == {
        "kind": "http_error",
        "operation": "batches_get",
        "status": 503,
        "nth": [1, 2],
    }
    assert parse_fault_spec("{kind: job_expired, after_polls: 2}") == {
        "kind": "job_expired",
        "after_polls": 2,
    }


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "nope"}, "kind 'nope'"),
        ({"kind": "http_error", "operation": "batches_fly"}, "operation 'batches_fly'"),
        ({"kind": "http_error", "operation": "batches_get", "rate": 2}, "rate"),
        ({"kind": "row_error", "colour": "red"}, "unknown field"),
        ({"kind": "delay", "operation": "files_get"}, "seconds"),
        ({"kind": "http_error", "operation": "batches_get", "display_name": "x"}, "display_name"),
        ({"kind": "flex_shed", "status": 502}, "429, 500 or 503"),
        ({"kind": "flex_shed", "operation": "models_get"}, "unknown field"),
        ({"kind": "delay", "operation": "*", "seconds": 1, "service_tier": "gold"}, "service_tier"),
    ],
)
def test_bad_plans_name_the_rule(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultPlanError, match=message):
        FaultPlan.from_dict(plan(rule))
