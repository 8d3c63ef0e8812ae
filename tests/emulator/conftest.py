"""Fixtures: emulator servers on temporary state directories, real SDK clients, a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from google import genai

from emobatch.emulator import EmulatorServer, ManualClock, serve_in_background

from .helpers import make_client


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def start_emulator(state_dir: Path) -> Iterator[Callable[..., EmulatorServer]]:
    """Start servers (default: on ``state_dir``); all are closed after the test."""
    servers: list[EmulatorServer] = []

    def start(state: Path | None = None, **options: Any) -> EmulatorServer:
        server = serve_in_background(state or state_dir, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def server(start_emulator: Callable[..., EmulatorServer]) -> EmulatorServer:
    return start_emulator()


@pytest.fixture
def client(server: EmulatorServer) -> genai.Client:
    return make_client(server)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock on the catalogue's reading day (2026-12-02, noon UTC)."""
    return ManualClock(dt.datetime(2026, 12, 2, 12, 0, 0))
