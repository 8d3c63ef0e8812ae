"""Fixtures: the GCS emulator, the Vertex emulator (in process, manual clock) and a backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emobatch.backends.vertex import VertexBackend
from emobatch.backends.vertex_auth import load_credentials
from emobatch.config import VertexSettings
from emobatch.emulator import ManualClock, serve_vertex_in_background
from emobatch.retry import RetryPolicy
from tests.vertex.harness import BUCKET, LOCATION, PROJECT, start_gcs


@pytest.fixture
def gcs() -> Iterator[str]:
    server, url = start_gcs()
    yield url
    server.stop()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make_vertex(tmp_path: Path, gcs: str, clock: ManualClock, **options: Any) -> Any:
    state = tmp_path / f"vertex-state-{len(list(tmp_path.glob('vertex-state-*')))}"
    return serve_vertex_in_background(state, gcs_endpoint=gcs, clock=clock, **options)


@pytest.fixture
def vertex(tmp_path: Path, gcs: str, clock: ManualClock) -> Iterator[Any]:
    server = make_vertex(tmp_path, gcs, clock)
    yield server
    server.close()


def make_backend(gcs: str, vertex_url: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Any:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs)
    env = {
        "EMOBATCH_VERTEX_CREDENTIALS": "anonymous",
        "EMOBATCH_VERTEX_BASE_URL": vertex_url,
        "STORAGE_EMULATOR_HOST": gcs,
    }
    settings = VertexSettings(project=PROJECT, location=LOCATION, bucket=BUCKET, **kw)
    return VertexBackend(
        settings,
        load_credentials(env),
        base_url=vertex_url,
        retry=RetryPolicy(attempts=3, initial_delay=0.0, max_delay=0.0, jitter=0.0),
    )


@pytest.fixture
def backend(gcs: str, vertex: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    b = make_backend(gcs, vertex.base_url, monkeypatch)
    yield b
    b.close()
