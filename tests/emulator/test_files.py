"""Upload MIME types and File URIs shaped like the real service's."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from google import genai
from google.genai import _transformers, errors, types

from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import TEXTS, make_client, submit, wait_done, write_requests

Start = Callable[..., EmulatorServer]
PUBLIC = "https://generativelanguage.googleapis.com"


@pytest.fixture
def client(start_emulator: Start, clock: ManualClock) -> genai.Client:
    return make_client(start_emulator(clock=clock))


@pytest.mark.parametrize(
    "mime",
    [
        "jsonl",  # Google's batch guide (and the pipeline's first choice)
        "text/plain",  # the pipeline's fallback
        "application/jsonl",
        "application/json",
        "text/plain; charset=utf-8",
        "image/png",
    ],
)
def test_supported_mime_types(client: genai.Client, tmp_path: Path, mime: str) -> None:
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    uploaded = client.files.upload(file=str(path), config={"mime_type": mime})
    assert uploaded.mime_type == mime


@pytest.mark.parametrize(
    "mime", ["bad/mime_type", "application/octet-stream", "application/zip", "json", "text"]
)
def test_unsupported_mime_type_is_refused(client: genai.Client, mime: str) -> None:
    # google-genai's own test_bad_mime_type expects exactly this
    with pytest.raises(errors.APIError, match="Unsupported MIME") as err:
        client.files.upload(file=io.BytesIO(b"test"), config={"mime_type": mime})
    assert err.value.code == 400 and err.value.status == "INVALID_ARGUMENT"
    assert list(client.files.list()) == []


def test_uris_look_like_the_real_service(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    server = start_emulator(clock=clock)
    client = make_client(server)
    uploaded = client.files.upload(
        file=str(write_requests(tmp_path / "in.jsonl", TEXTS[:2])), config={"mime_type": "jsonl"}
    )
    file_id = uploaded.name.removeprefix("files/")
    assert uploaded.uri == f"{PUBLIC}/v1beta/files/{file_id}"
    assert _transformers.t_file_name(uploaded.uri) == file_id  # the SDK finds the id
    assert uploaded.download_uri is None  # uploaded files cannot be downloaded

    job = wait_done(client, client.batches.create(model="gemini-2.5-flash", src=uploaded.name).name)
    result = client.files.get(name=job.dest.file_name)
    result_id = job.dest.file_name.removeprefix("files/")
    assert result.uri == f"{PUBLIC}/v1beta/files/{result_id}"
    assert result.download_uri == f"{PUBLIC}/download/v1beta/files/{result_id}:download?alt=media"
    # the SDK quirk the protocol doc warns about: t_file_name stops at the first dash
    assert _transformers.t_file_name(result.uri) == "batch"
    by_object = client.files.download(file=result)  # uses the name, not the URI
    assert by_object == client.files.download(file=job.dest.file_name)
    assert len(by_object.decode().splitlines()) == 2

    v1 = genai.Client(
        api_key="k", http_options=types.HttpOptions(base_url=server.base_url, api_version="v1")
    )
    assert v1.files.get(name=uploaded.name).uri == f"{PUBLIC}/v1/files/{file_id}"


def test_pipeline_upload_fallback(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    plan = {"faults": [{"kind": "reject_mime_type", "mime_types": ["jsonl"]}]}
    client = make_client(start_emulator(clock=clock, faults=plan))
    path = write_requests(tmp_path / "in.jsonl", TEXTS[:1])
    with pytest.raises(errors.ClientError, match="Unsupported MIME type: jsonl"):
        client.files.upload(file=str(path), config={"mime_type": "jsonl"})
    assert client.files.upload(file=str(path), config={"mime_type": "text/plain"}).name
    assert submit(client, path).name  # and the usual helper still works
