"""backend: vertex at the seam: the real google-cloud-storage and google-genai (Vertex mode)
against gcp-storage-emulator and the Vertex emulator, driven by the unchanged stages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emobatch.backends.base import RemoteListingIncomplete
from emobatch.backends.vertex_lines import encode_key
from emobatch.emulator.responder import Responder
from emobatch.errors import (
    AmbiguousCreate,
    ConfigError,
    JobError,
    ModelUnavailable,
    RefusedByBackend,
)
from emobatch.identity import display_name, file_sha256
from emobatch.ledger import Ledger
from emobatch.responses import chunk_keys, judge_rounds
from emobatch.stages.download import download_output
from emobatch.stages.poll import PollSettings, poll_chunk
from emobatch.stages.recover import recover_chunk
from emobatch.stages.submit import Clock, submit_chunk
from emobatch.tokens import request_prompt_tokens
from tests.vertex.conftest import make_backend, make_vertex
from tests.vertex.harness import BUCKET, gcs_client

MODEL = "gemini-3.1-flash-lite"
ANALYSIS = "a0123456789a"
NO_WAIT = Clock(sleep=lambda _s: None)
POLL = PollSettings(interval_seconds=0.01, first_interval_seconds=0.01, max_wait_hours=0.1)


def write_chunk(root: Path, keys: list[str], texts: list[str] | None = None) -> Path:
    path = root / "results" / "pilot" / ANALYSIS / "chunks" / "chunk-0000.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = texts or [f"post number {i}: 오늘 기분 최고 {k}" for i, k in enumerate(keys)]
    with open(path, "w", encoding="utf-8") as fh:
        for key, text in zip(keys, texts, strict=True):
            request = {
                "contents": [{"role": "user", "parts": [{"text": text}]}],
                "generationConfig": {"responseMimeType": "application/json"},
            }
            fh.write(json.dumps({"key": key, "request": request}, ensure_ascii=False) + "\n")
    return path


def submit(backend: Any, ledger: Ledger, chunk: Path) -> Any:
    return submit_chunk(
        backend, ledger, chunk, model=MODEL, analysis=ANALYSIS, mode="pilot", clock=NO_WAIT
    )


def test_upload_rewrites_the_chunk_and_skips_an_unchanged_object(tmp_path, gcs, backend) -> None:
    chunk = write_chunk(tmp_path, ["p1", "Post/2"])
    uri = backend.upload(chunk, "emobatch-x")
    assert uri == f"gs://{BUCKET}/emobatch/pilot/{ANALYSIS}/chunk-0000.jsonl"
    blob = gcs_client(gcs).bucket(BUCKET).get_blob(uri.removeprefix(f"gs://{BUCKET}/"))
    first = blob.generation
    assert blob.metadata == {"emobatch-sha256": file_sha256(chunk)}
    lines = [json.loads(x) for x in blob.download_as_bytes().splitlines()]
    assert [set(x) for x in lines] == [{"request"}, {"request"}]  # no top-level key
    assert lines[0]["request"]["labels"] == encode_key("p1")
    assert lines[1]["request"]["labels"] == encode_key("Post/2")
    backend.upload(chunk, "emobatch-x")  # same bytes: crc32c matches, nothing sent
    assert gcs_client(gcs).bucket(BUCKET).get_blob(blob.name).generation == first
    write_chunk(tmp_path, ["p1", "p3"])
    backend.upload(chunk, "emobatch-x")  # new content under the same name: sent again
    assert gcs_client(gcs).bucket(BUCKET).get_blob(blob.name).generation != first


def _echo_responder() -> Responder:
    # the answer repeats the post text, so each output line shows which post it answers
    return Responder(lambda texts: [{"echo": t} for t in texts], "echo-1")


def test_shuffled_output_lines_are_matched_to_the_right_posts(
    tmp_path, gcs, clock, monkeypatch
) -> None:
    keys = [f"p{i:03d}" for i in range(30)] + ["Post-A/1", "게시물-7", "X" * 70]
    texts = [f"text of post {i}" for i in range(len(keys))]
    chunk = write_chunk(tmp_path, keys, texts)
    with make_vertex(tmp_path, gcs, clock, responder=_echo_responder()) as server:
        backend = make_backend(gcs, server.base_url, monkeypatch)
        ledger = Ledger(tmp_path / "ledger.jsonl")
        sentinel = submit(backend, ledger, chunk)
        marker = poll_chunk(backend, ledger, sentinel, chunk, settings=POLL, clock=NO_WAIT)
        assert marker.state == "SUCCEEDED" and marker.output_file.startswith("gs://")
        raw = tmp_path / "raw.jsonl"
        assert download_output(backend, marker, raw) == len(keys)
    lines = [json.loads(x) for x in raw.read_text("utf-8").splitlines()]
    order = [line["key"] for line in lines]
    assert sorted(order) == sorted(keys) and order != keys  # every post, not in input order
    expected = dict(zip(keys, texts, strict=True))
    for line in lines:
        answer = json.loads(line["response"]["candidates"][0]["content"]["parts"][0]["text"])
        assert answer == {"echo": expected[line["key"]]}
    best = judge_rounds(chunk_keys(chunk), [{"round": 0, "raw": str(raw)}], lambda a: (a, []))
    assert all(result.ok for result, _, _ in best.values())


def test_a_partially_succeeded_job_is_recovered_row_by_row(tmp_path, gcs, clock, monkeypatch):
    keys = [f"p{i:02d}" for i in range(12)]
    chunk = write_chunk(tmp_path, keys)
    first_job = display_name(file_sha256(chunk), ANALYSIS)
    failing = {"kind": "row_error", "keys": ["p02", "p05", "p07"], "code": 503}
    plan = {"faults": [{**failing, "display_name": first_job}]}  # the retry job answers them
    with make_vertex(tmp_path, gcs, clock, faults=plan) as server:
        backend = make_backend(gcs, server.base_url, monkeypatch)
        ledger = Ledger(tmp_path / "ledger.jsonl")
        sentinel = submit(backend, ledger, chunk)
        marker = poll_chunk(backend, ledger, sentinel, chunk, settings=POLL, clock=NO_WAIT)
        assert (marker.state, marker.succeeded, marker.failed) == ("SUCCEEDED", 9, 3)
        assert backend.get(marker.job_name).raw["vertex_state"] == "JOB_STATE_PARTIALLY_SUCCEEDED"
        raw = tmp_path / "raw.jsonl"
        download_output(backend, marker, raw)
        recovered = recover_chunk(
            backend,
            ledger,
            chunk=chunk,
            raw=raw,
            marker=marker,
            retries_dir=chunk.parent.parent / "retries",
            out_manifest=tmp_path / "recovered.json",
            read_answer=lambda a: (a, []),
            retry_rounds=2,
            poll_settings=POLL,
            clock=NO_WAIT,
        )
        jobs = list(backend.iter_jobs())
    assert (recovered.ok, recovered.failed, len(recovered.rounds)) == (12, 0, 2)
    retry = chunk.parent.parent / "retries" / "chunk-0000-r1.jsonl"
    assert chunk_keys(retry) == ["p02", "p05", "p07"]
    assert len(jobs) == 2  # the job and one retry job, nothing paid twice
    assert len(ledger_events(tmp_path, "submitted")) == 2


def ledger_events(root: Path, event: str) -> list[dict[str, Any]]:
    lines = (root / "ledger.jsonl").read_text("utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["event"] == event]


def test_money_rule_a_lost_create_response_is_reconciled_not_recreated(
    tmp_path, gcs, clock, monkeypatch
) -> None:
    chunk = write_chunk(tmp_path, ["p1", "p2"])
    plan = {"faults": [{"kind": "lost_create_response", "nth": [1]}]}
    with make_vertex(tmp_path, gcs, clock, faults=plan) as server:
        backend = make_backend(gcs, server.base_url, monkeypatch)
        ledger = Ledger(tmp_path / "ledger.jsonl")
        sentinel = submit(backend, ledger, chunk)
        assert sentinel.how == "reconciled"
        again = submit(backend, ledger, chunk)  # a re-run: the ledger answers, no API call
        assert again.how == "ledger" and again.job_name == sentinel.job_name
        assert [j.name for j in backend.iter_jobs(page_size=1)] == [sentinel.job_name]
        counters = json.loads((server.state_dir / "counters.json").read_text("utf-8"))
        assert counters["creates_total"] == 1
    assert sentinel.api_key_fingerprint.startswith("sha256:")
    assert sentinel.file_name == f"gs://{BUCKET}/emobatch/pilot/{ANALYSIS}/chunk-0000.jsonl"


def test_errors_are_translated_at_the_seam(tmp_path, gcs, clock, monkeypatch) -> None:
    chunk = write_chunk(tmp_path, ["p1"])
    server = make_vertex(tmp_path, gcs, clock)
    backend = make_backend(gcs, server.base_url, monkeypatch)
    uri = backend.upload(chunk, "emobatch-e")
    with pytest.raises(RefusedByBackend):
        backend.create("gemini-0-unknown", uri, "emobatch-e")
    with pytest.raises(ModelUnavailable, match="does not serve"):
        backend.get_model("gemini-0-unknown")
    assert backend.get_model(MODEL).name == MODEL
    request = json.loads(chunk.read_text("utf-8"))["request"]
    request["systemInstruction"] = {"parts": [{"text": "Code the emotion of the post."}]}
    assert backend.count_tokens(MODEL, request) == request_prompt_tokens(request)
    server.close()  # Vertex is gone: a create's outcome is unknown, a listing proves nothing
    with pytest.raises(AmbiguousCreate):
        backend.create(MODEL, uri, "emobatch-e")
    with pytest.raises(RemoteListingIncomplete):
        list(backend.iter_jobs())


def test_download_reads_every_predictions_file_and_refuses_keyless_output(
    tmp_path, gcs, backend
) -> None:
    bucket = gcs_client(gcs).bucket(BUCKET)
    folder = "emobatch/out/prediction-model-2026-11-27T12:38:58.981813Z"
    ok = {"status": "", "request": {"labels": encode_key("p1")}, "response": {"candidates": []}}
    other = {**ok, "request": {"labels": encode_key("p2")}}
    torn = json.dumps(other) + '\n{"status": "", "requ'  # a torn last line: skipped
    bucket.blob(f"{folder}/predictions_00001.jsonl").upload_from_string(torn)
    bucket.blob(f"{folder}/predictions.jsonl").upload_from_string(json.dumps(ok) + "\n")
    bucket.blob(f"{folder}/errors_stats.txt").upload_from_string("not a prediction")
    dest = tmp_path / "out.jsonl"
    backend.download(f"gs://{BUCKET}/{folder}", dest)
    assert [json.loads(x)["key"] for x in dest.read_text().splitlines()] == ["p1", "p2"]
    keyless = "emobatch/out2/prediction-model-x"
    bucket.blob(f"{keyless}/predictions.jsonl").upload_from_string(
        json.dumps({"status": "", "request": {}, "response": {"candidates": []}})
    )
    with pytest.raises(JobError, match="cannot be matched"):
        backend.download(f"gs://{BUCKET}/{keyless}", tmp_path / "k.jsonl")
    with pytest.raises(JobError, match="no predictions"):
        backend.download(f"gs://{BUCKET}/emobatch/nothing", tmp_path / "n.jsonl")


def test_cancel_reaches_a_running_vertex_job(tmp_path, gcs, clock, monkeypatch) -> None:
    chunk = write_chunk(tmp_path, ["p1", "p2"])
    with make_vertex(tmp_path, gcs, clock, latency_seconds=3600) as server:
        backend = make_backend(gcs, server.base_url, monkeypatch)
        job = backend.create(MODEL, backend.upload(chunk, "emobatch-c"), "emobatch-c")
        assert (job.state, job.raw["vertex_state"]) == ("PENDING", "JOB_STATE_PENDING")
        clock.advance(1300)
        assert backend.get(job.name).state == "RUNNING"
        backend.cancel(job.name)
        status = backend.get(job.name)
        assert (status.state, status.done, status.error) == ("CANCELLED", True, "CANCELED")


def test_generate_content_is_the_standard_online_call_and_flex_is_refused(backend) -> None:
    request = {
        "contents": [{"role": "user", "parts": [{"text": "오늘 너무 행복해요"}]}],
        "systemInstruction": {"parts": [{"text": "Code the emotion as JSON."}]},
        "generationConfig": {"responseMimeType": "application/json", "temperature": 0},
    }
    answer = backend.generate_content(MODEL, request)
    text = answer["candidates"][0]["content"]["parts"][0]["text"]
    assert json.loads(text)["primary_emotion"] == "joy"
    with pytest.raises(ConfigError, match="Developer API"):
        backend.generate_content(MODEL, request, service_tier="flex")
