"""The real google-genai SDK against the emulator over loopback HTTP (no mocks)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from google import genai
from google.genai import errors, types

from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import (
    EMOTION_JSON_SCHEMA,
    OPERATION_SCHEMA,
    TEXTS,
    answer_text,
    make_client,
    output_lines,
    raw,
    submit,
    upload,
    wait_done,
    write_requests,
)


def test_file_job_round_trip(client: genai.Client, server: EmulatorServer, tmp_path: Path) -> None:
    uploaded = upload(client, write_requests(tmp_path / "in.jsonl"), "round-trip")
    assert uploaded.name and uploaded.name.startswith("files/")
    assert uploaded.mime_type == "application/jsonl"
    assert uploaded.size_bytes == (tmp_path / "in.jsonl").stat().st_size
    assert uploaded.state == types.FileState.ACTIVE
    fetched = client.files.get(name=uploaded.name)
    assert fetched.sha256_hash == uploaded.sha256_hash

    # a model that is served as itself (gemini-2.5-flash is shut down and routed, see
    # test_models.py), so answers carry the dictionary's modelVersion
    job = client.batches.create(
        model="gemini-2.5-flash-lite", src=uploaded.name, config={"display_name": "round-trip"}
    )
    assert job.state == types.JobState.JOB_STATE_PENDING and not job.done
    assert job.display_name == "round-trip" and job.model == "models/gemini-2.5-flash-lite"
    job = wait_done(client, job.name)
    assert job.state == types.JobState.JOB_STATE_SUCCEEDED
    assert job.dest.file_name == f"files/batch-{job.name.removeprefix('batches/')}"

    lines = output_lines(client, job)
    assert sorted(line["key"] for line in lines) == [f"k{i}" for i in range(len(TEXTS))]
    for line in lines:
        response = types.GenerateContentResponse.model_validate(line["response"])
        assert response.candidates[0].content.role == "model"
        assert response.candidates[0].finish_reason == types.FinishReason.STOP
        answer = json.loads(answer_text(line))
        jsonschema.validate(answer, EMOTION_JSON_SCHEMA)
        usage = line["response"]["usageMetadata"]
        assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]
        assert "thoughtsTokenCount" not in usage  # thinkingBudget 0
        assert line["response"]["modelVersion"].startswith("emobatch-lexicon")
    happy = json.loads(answer_text(next(x for x in lines if x["key"] == "k0")))
    assert happy["primary_emotion"] == "joy" and happy["sentiment"] == "positive"


def test_raw_resources_validate(
    client: genai.Client, server: EmulatorServer, tmp_path: Path
) -> None:
    job = submit(client, write_requests(tmp_path / "in.jsonl"), "raw")
    batch_id = job.name.removeprefix("batches/")
    status, created = raw(server, "GET", f"/v1beta/batches/{batch_id}")
    assert status == 200
    jsonschema.validate(created, OPERATION_SCHEMA)
    done = wait_done(client, job.name)
    status, op = raw(server, "GET", f"/v1beta/batches/{batch_id}")
    jsonschema.validate(op, OPERATION_SCHEMA)
    assert op["done"] is True and op["metadata"]["state"] == "BATCH_STATE_SUCCEEDED"
    assert op["metadata"]["batchStats"] == {"requestCount": "5", "successfulRequestCount": "5"}
    assert op["response"]["responsesFile"] == op["metadata"]["output"]["responsesFile"]
    assert op["metadata"]["inputConfig"]["fileName"].startswith("files/")
    status, listed = raw(server, "GET", "/v1beta/batches?pageSize=10")
    assert status == 200 and set(listed) == {"operations"}
    for item in listed["operations"]:
        jsonschema.validate(item, OPERATION_SCHEMA)

    # File resources validate against the SDK's strict model (extra fields forbidden)
    status, files = raw(server, "GET", "/v1beta/files")
    assert status == 200 and files["files"]
    for item in files["files"]:
        types.File.model_validate(item)
    status, result_file = raw(server, "GET", f"/v1beta/{done.dest.file_name}")
    assert status == 200
    parsed = types.File.model_validate(result_file)
    assert parsed.source == types.FileSource.GENERATED and parsed.download_uri
    assert int(result_file["sizeBytes"]) > 0


def test_list_pages_through_every_job(client: genai.Client, tmp_path: Path) -> None:
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    names = {submit(client, path, f"job-{i}").name for i in range(4)}
    listed = [job.name for job in client.batches.list(config={"page_size": 1})]
    assert len(listed) == len(set(listed)) == 4
    assert set(listed) == names
    pager = client.batches.list(config={"page_size": 3})
    assert len(pager.page) == 3


def test_files_list_pages(client: genai.Client, tmp_path: Path) -> None:
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    names = {upload(client, path, f"file-{i}").name for i in range(3)}
    listed = [f.name for f in client.files.list(config={"page_size": 1})]
    assert sorted(listed) == sorted(names)


def test_empty_lists_are_empty_objects(server: EmulatorServer) -> None:
    assert raw(server, "GET", "/v1beta/batches") == (200, {})
    assert raw(server, "GET", "/v1beta/files") == (200, {})


def test_inline_job_keyed_by_metadata(client: genai.Client, server: EmulatorServer) -> None:
    requests = [
        {
            "contents": [{"parts": [{"text": text}], "role": "user"}],
            "config": {
                "response_mime_type": "application/json",
                "thinking_config": {"thinking_budget": 0},
            },
            "metadata": {"key": f"in-{i}"},
        }
        for i, text in enumerate(TEXTS[:3])
    ]
    job = client.batches.create(
        model="gemini-2.5-flash-lite", src=requests, config={"display_name": "inline"}
    )
    job = wait_done(client, job.name)
    assert job.state == types.JobState.JOB_STATE_SUCCEEDED
    by_key = {r.metadata["key"]: r for r in job.dest.inlined_responses}
    assert set(by_key) == {"in-0", "in-1", "in-2"}
    assert json.loads(by_key["in-0"].response.text)["primary_emotion"] == "joy"
    _, op = raw(server, "GET", f"/v1beta/{job.name}")
    jsonschema.validate(op, OPERATION_SCHEMA)
    assert "inputConfig" not in op["metadata"]  # like the real service: inline is not echoed
    for item in op["metadata"]["output"]["inlinedResponses"]["inlinedResponses"]:
        types.InlinedResponse.model_validate(item)


def test_cancel_then_delete(start_emulator: Callable[..., EmulatorServer], tmp_path: Path) -> None:
    server = start_emulator(latency_seconds=30)
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl"), "to-cancel")
    assert client.batches.get(name=job.name).state == types.JobState.JOB_STATE_PENDING
    client.batches.cancel(name=job.name)
    cancelled = client.batches.get(name=job.name)
    assert cancelled.state == types.JobState.JOB_STATE_CANCELLED and cancelled.done
    assert cancelled.dest is None
    client.batches.delete(name=job.name)
    with pytest.raises(errors.ClientError) as err:
        client.batches.get(name=job.name)
    assert err.value.code == 404 and err.value.status == "NOT_FOUND"
    assert [j.name for j in client.batches.list()] == []


def test_latency_moves_pending_running_succeeded(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path, clock: ManualClock
) -> None:
    server = start_emulator(latency_seconds=0.6, clock=clock)  # the clock moves, no real wait
    client = make_client(server)
    job = submit(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]), "slow")
    seen = [client.batches.get(name=job.name).state]
    while not (job := client.batches.get(name=job.name)).done:
        seen.append(job.state)
        clock.advance(0.05)
    assert seen[0] == types.JobState.JOB_STATE_PENDING
    assert types.JobState.JOB_STATE_RUNNING in seen
    assert job.state == types.JobState.JOB_STATE_SUCCEEDED


def test_429_then_success_with_retry_options(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    plan = {
        "faults": [{"kind": "http_error", "operation": "batches_create", "status": 429, "nth": [1]}]
    }
    server = start_emulator(faults=plan)
    retrying = make_client(
        server, retry=types.HttpRetryOptions(attempts=3, initial_delay=0.05, max_delay=0.1)
    )
    job = submit(retrying, write_requests(tmp_path / "in.jsonl", TEXTS[:1]), "retried")
    assert wait_done(retrying, job.name).state == types.JobState.JOB_STATE_SUCCEEDED
    stats = server.stats()
    assert stats["calls"]["batches_create"] == 2 and stats["creates_total"] == 1
    assert stats["faults_fired"] == {"http_error": 1}


def test_api_key_required_except_on_upload_sessions(server: EmulatorServer) -> None:
    status, body = raw(server, "GET", "/v1beta/batches", key=None)
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    status, _ = raw(server, "GET", "/v1beta/batches?key=abc", key=None)
    assert status == 200


def test_specific_api_key(start_emulator: Callable[..., EmulatorServer]) -> None:
    server = start_emulator(api_key="the-key")
    status, body = raw(server, "GET", "/v1beta/batches", key="wrong")
    assert status == 400 and body["error"]["message"].startswith("API key not valid")
    assert raw(server, "GET", "/v1beta/batches", key="the-key")[0] == 200


def test_unknown_model_is_404(client: genai.Client, tmp_path: Path) -> None:
    uploaded = upload(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    with pytest.raises(errors.ClientError) as err:
        client.batches.create(model="gemini-9-ultra", src=uploaded.name)
    assert err.value.code == 404 and err.value.status == "NOT_FOUND"


def test_extra_models_and_any_version(
    start_emulator: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = start_emulator(extra_models=["my-tuned-model"])
    client = genai.Client(
        api_key="k", http_options=types.HttpOptions(base_url=server.base_url, api_version="v1")
    )
    uploaded = upload(client, write_requests(tmp_path / "in.jsonl", TEXTS[:1]))
    job = client.batches.create(model="my-tuned-model", src=uploaded.name)
    assert wait_done(client, job.name).state == types.JobState.JOB_STATE_SUCCEEDED


def test_both_download_paths_and_file_delete(
    client: genai.Client, server: EmulatorServer, tmp_path: Path
) -> None:
    job = wait_done(client, submit(client, write_requests(tmp_path / "in.jsonl")).name)
    file_id = job.dest.file_name.removeprefix("files/")
    sdk_bytes = client.files.download(file=job.dest.file_name)
    import urllib.request

    url = f"{server.base_url}/download/v1beta/files/{file_id}:download?alt=media&key=k"
    with urllib.request.urlopen(url) as resp:
        assert resp.read() == sdk_bytes
    inputs = [f for f in client.files.list() if f.source == types.FileSource.UPLOADED]
    client.files.delete(name=inputs[0].name)
    with pytest.raises(errors.ClientError) as err:
        client.files.get(name=inputs[0].name)
    assert err.value.code == 403  # the real service answers PERMISSION_DENIED for missing files


def test_chunked_upload_checks_offsets(
    client: genai.Client, server: EmulatorServer, tmp_path: Path
) -> None:
    # 9 MB -> two chunks ("upload" at 0, then "upload, finalize" at 8 MiB)
    big = tmp_path / "big.jsonl"
    line = json.dumps({"key": "x", "request": {"contents": [{"parts": [{"text": "a" * 1000}]}]}})
    with open(big, "w") as fh:
        for i in range(9000):
            fh.write(line.replace('"x"', f'"k{i}"') + "\n")
    uploaded = upload(client, big, "big")
    assert uploaded.size_bytes == big.stat().st_size
    # a chunk at the wrong offset is refused
    start = urllib_start(server)
    status, body = raw_chunk(start, b"abc", offset=5, command="upload")
    assert status == 400 and "Offset" in body["error"]["message"]


def urllib_start(server: EmulatorServer) -> str:
    import urllib.request

    req = urllib.request.Request(
        f"{server.base_url}/upload/v1beta/files",
        data=b'{"file": {"display_name": "manual"}}',
        method="POST",
        headers={
            "x-goog-api-key": "k",
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": "3",
            "X-Goog-Upload-Header-Content-Type": "text/plain",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200 and resp.headers["X-Goog-Upload-Status"] == "active"
        return str(resp.headers["X-Goog-Upload-URL"])


def raw_chunk(url: str, data: bytes, *, offset: int, command: str) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)},
    )
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_manual_upload_without_api_key_on_session(server: EmulatorServer) -> None:
    url = urllib_start(server)
    assert url.startswith(server.base_url + "/upload/v1beta/files?upload_id=")
    status, body = raw_chunk(url, b"abc", offset=0, command="upload, finalize")
    assert status == 200
    parsed = types.File.model_validate(body["file"])
    assert parsed.display_name == "manual" and parsed.size_bytes == 3
    assert parsed.mime_type == "text/plain"


def test_unknown_request_fields_become_error_lines(client: genai.Client, tmp_path: Path) -> None:
    from .helpers import request_line, write_jsonl

    good = request_line("good", TEXTS[0], {"responseMimeType": "application/json"})
    bad = request_line("bad", TEXTS[0])
    bad["request"]["thinking_config"] = {"thinking_budget": 0}  # must be under generationConfig
    snake = {
        "key": "snake",
        "request": {
            "system_instruction": {"parts": [{"text": "Code it."}]},
            "contents": [{"role": "user", "parts": [{"text": TEXTS[1]}]}],
            "generation_config": {
                "response_mime_type": "application/json",
                "max_output_tokens": 400,
            },
        },
        "config": {"ignored": True},  # a sibling of "request" is ignored, as by the real service
    }
    job = wait_done(
        client, submit(client, write_jsonl(tmp_path / "in.jsonl", [good, bad, snake])).name
    )
    lines = {line["key"]: line for line in output_lines(client, job)}
    assert lines["bad"]["error"]["code"] == 400
    assert "thinking_config" in lines["bad"]["error"]["message"]
    assert lines["bad"]["error"]["status"] == "INVALID_ARGUMENT"
    assert json.loads(answer_text(lines["snake"]))["primary_emotion"] == "anger"
    assert json.loads(answer_text(lines["good"]))["primary_emotion"] == "joy"
    _, op = raw_op(client, job)
    assert op["metadata"]["batchStats"] == {
        "requestCount": "3",
        "successfulRequestCount": "2",
        "failedRequestCount": "1",
    }


def raw_op(client: genai.Client, job: types.BatchJob) -> tuple[int, dict]:
    response = client._api_client.request("get", job.name, {})
    return 200, json.loads(response.body)
