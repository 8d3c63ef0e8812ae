"""The Vertex emulator answers the unmodified google-genai SDK (Vertex mode) in the Vertex wire
shape, reading input from and writing predictions to gcp-storage-emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google import genai
from google.genai import errors, types
from google.oauth2.credentials import Credentials

from emobatch.emulator import ManualClock
from tests.vertex.conftest import make_vertex
from tests.vertex.harness import BUCKET, LOCATION, PROJECT, gcs_client

MODEL = "gemini-3.1-flash-lite"
TEXTS = ["오늘 너무 행복해요", "진짜 화나네", "I am so sad", "What a surprise!", "just a bus"]


def client(url: str, location: str = LOCATION, token: str = "t") -> genai.Client:
    return genai.Client(
        vertexai=True,
        project=PROJECT,
        location=location,
        credentials=Credentials(token=token),
        http_options=types.HttpOptions(base_url=url, api_version="v1"),
    )


def put_input(gcs: str, name: str = "in/c.jsonl", texts: list[str] = TEXTS) -> str:
    lines = [
        {
            "request": {
                "contents": [{"role": "user", "parts": [{"text": t}]}],
                "labels": {"row": f"r{i}"},
            }
        }
        for i, t in enumerate(texts)
    ]
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    gcs_client(gcs).bucket(BUCKET).blob(name).upload_from_string(
        data, content_type="application/jsonl"
    )
    return f"gs://{BUCKET}/{name}"


def create(c: genai.Client, src: str, name: str = "job") -> types.BatchJob:
    config = types.CreateBatchJobConfig(display_name=name, dest=f"gs://{BUCKET}/out/{name}/")
    return c.batches.create(model=MODEL, src=src, config=config)


def predictions(gcs: str, job: types.BatchJob) -> list[dict[str, Any]]:
    assert job.output_info is not None and job.output_info.gcs_output_directory
    folder = job.output_info.gcs_output_directory.removeprefix(f"gs://{BUCKET}/")
    blob = gcs_client(gcs).bucket(BUCKET).blob(f"{folder}/predictions.jsonl")
    return [json.loads(line) for line in blob.download_as_bytes().splitlines()]


def test_job_lifecycle_follows_the_clock_and_writes_shuffled_predictions(
    tmp_path, gcs: str, clock: ManualClock
) -> None:
    with make_vertex(tmp_path, gcs, clock, latency_seconds=30) as server:
        c = client(server.base_url)
        job = create(c, put_input(gcs))
        assert job.state == types.JobState.JOB_STATE_PENDING
        assert job.name.startswith("projects/") and job.name.rsplit("/", 1)[1].isdigit()
        assert c.batches.get(name=job.name).state == types.JobState.JOB_STATE_PENDING
        clock.advance(11)
        assert c.batches.get(name=job.name).state == types.JobState.JOB_STATE_RUNNING
        clock.advance(20)
        done = c.batches.get(name=job.name)
        assert done.state == types.JobState.JOB_STATE_SUCCEEDED and done.done
        assert done.completion_stats is not None and done.completion_stats.successful_count == 5
        assert done.output_info.gcs_output_directory.startswith(
            f"gs://{BUCKET}/out/job/prediction-model-"
        )
        lines = predictions(gcs, done)
        rows = [line["request"]["labels"]["row"] for line in lines]
        assert sorted(rows) == [f"r{i}" for i in range(5)] and rows != sorted(rows)  # shuffled
        for line in lines:
            assert line["status"] == "" and line["processed_time"].endswith("+00:00")
            text = line["request"]["contents"][0]["parts"][0]["text"]
            assert text == TEXTS[int(line["request"]["labels"]["row"][1:])]
            assert line["response"]["candidates"][0]["finishReason"] == "STOP"


def test_row_errors_make_a_partially_succeeded_job(tmp_path, gcs: str, clock) -> None:
    plan = {"faults": [{"kind": "row_error", "keys": ["r1", "r3"], "code": 400}]}
    with make_vertex(tmp_path, gcs, clock, faults=plan) as server:
        c = client(server.base_url)
        job = c.batches.get(name=create(c, put_input(gcs)).name)
        assert job.state == types.JobState.JOB_STATE_PARTIALLY_SUCCEEDED and not job.done
        assert (job.completion_stats.successful_count, job.completion_stats.failed_count) == (3, 2)
        failed = [x for x in predictions(gcs, job) if x["status"]]
        assert {x["request"]["labels"]["row"] for x in failed} == {"r1", "r3"}
        assert all(x["response"] == {} and x["status"].startswith("Bad Request: {") for x in failed)
        assert json.loads(failed[0]["status"].split(": ", 1)[1])["error"]["code"] == 400


def test_job_faults_missing_input_cancel_delete_and_regions(tmp_path, gcs: str, clock) -> None:
    plan = {
        "faults": [{"kind": "job_failed", "nth_job": [1]}, {"kind": "job_expired", "nth_job": [2]}]
    }
    with make_vertex(tmp_path, gcs, clock, faults=plan, latency_seconds=60) as server:
        c = client(server.base_url)
        src = put_input(gcs)
        failed, expired, cancelled = (create(c, src, f"j{i}") for i in range(3))
        missing = create(c, f"gs://{BUCKET}/in/nothing.jsonl", "j3")
        c.batches.cancel(name=cancelled.name)
        clock.advance(61)
        states = {
            j.display_name: c.batches.get(name=j.name)
            for j in (failed, expired, cancelled, missing)
        }
        assert states["j0"].state == types.JobState.JOB_STATE_FAILED and states["j0"].error.message
        assert states["j1"].state == types.JobState.JOB_STATE_EXPIRED
        assert states["j2"].state == types.JobState.JOB_STATE_CANCELLED
        assert states["j3"].state == types.JobState.JOB_STATE_FAILED
        assert "Failed to import data" in states["j3"].error.message
        elsewhere = client(server.base_url, location="us-central1")
        with pytest.raises(errors.ClientError) as other_region:
            elsewhere.batches.get(name=failed.name)
        assert other_region.value.code == 404
        c.batches.delete(name=failed.name)
        with pytest.raises(errors.ClientError):
            c.batches.get(name=failed.name)


def test_listing_pages_through_every_job(tmp_path, gcs: str, clock) -> None:
    with make_vertex(tmp_path, gcs, clock) as server:
        c = client(server.base_url)
        src = put_input(gcs)
        for i in range(5):
            create(c, src, f"job-{i}")
        names = [j.display_name for j in c.batches.list(config={"page_size": 2})]
        assert sorted(names) == [f"job-{i}" for i in range(5)]
        elsewhere = client(server.base_url, location="us-central1")
        assert list(elsewhere.batches.list()) == []


def test_auth_models_count_tokens_and_request_faults(tmp_path, gcs: str, clock) -> None:
    plan = {
        "faults": [{"kind": "http_error", "operation": "batches_create", "status": 429, "nth": [1]}]
    }
    with make_vertex(tmp_path, gcs, clock, faults=plan, token="right") as server:
        intruder = client(server.base_url, token="wrong")  # keep a reference: a Client closes
        with pytest.raises(errors.ClientError) as wrong:  # its connection when collected
            intruder.batches.list()
        assert wrong.value.code == 401
        c = client(server.base_url, token="right")
        model = c.models.get(model=MODEL)
        assert model.name == f"publishers/google/models/{MODEL}" and model.version == "001"
        with pytest.raises(errors.ClientError) as unknown:
            c.models.get(model="gemini-0-nope")
        assert unknown.value.code == 404
        counted = c.models.count_tokens(
            model=MODEL,
            contents=[{"role": "user", "parts": [{"text": "hello there"}]}],
            config=types.CountTokensConfig(system_instruction="Code the emotion."),
        )
        assert counted.total_tokens and counted.total_tokens > 2
        src = put_input(gcs)
        with pytest.raises(errors.ClientError) as limited:
            create(c, src)
        assert limited.value.code == 429
        assert create(c, src).state == types.JobState.JOB_STATE_PENDING
        with pytest.raises(errors.ClientError) as shut_down:
            c.batches.create(model="gemini-0-nope", src=src, config={"dest": f"gs://{BUCKET}/o/"})
        assert shut_down.value.code == 404
