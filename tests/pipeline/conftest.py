"""Shared fixtures of the pipeline unit tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def chunk(tmp_path: Path) -> Path:
    path = tmp_path / "chunk-0000.jsonl"
    lines = [
        {
            "key": "p1",
            "request": {"contents": [{"role": "user", "parts": [{"text": "좋아요 ㅋㅋ"}]}]},
        },
        {"key": "p2", "request": {"contents": [{"role": "user", "parts": [{"text": "so sad"}]}]}},
    ]
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return path
