"""Fixtures for the input-side stages: settings pointing into tmp_path, small posts files."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from emobatch.config import Settings, load_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "config.yaml"
CODEBOOK = REPO / "config" / "codebook" / "emotion.yaml"
BAD_INPUTS = REPO / "tests" / "data" / "bad_inputs"

MakeSettings = Callable[..., Settings]


def _write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = ("post_id", "text"),
    delimiter: str = ",",
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    """Write a delimited file with proper quoting (quoted line breaks are kept)."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def write_csv() -> Callable[..., Path]:
    """``write_csv(path, rows, header=..., delimiter=..., encoding=..., lineterminator=...)``."""
    return _write_csv


@pytest.fixture(scope="session")
def codebook_path() -> Path:
    """The bundled codebook."""
    return CODEBOOK


@pytest.fixture(scope="session")
def bad_inputs() -> Path:
    """The folder of deliberately broken posts files (may not exist yet)."""
    return BAD_INPUTS


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    """``make_settings(input_path, filter={...}, batch={...}, ...)`` → validated Settings whose
    history and codebook are absolute (history under tmp_path)."""

    def make(input_path: Path | str | None = None, **overrides: Any) -> Settings:
        merged: dict[str, Any] = {
            "codebook": str(CODEBOOK),
            "history_dir": str(tmp_path / "history"),
            "input": {"path": str(input_path or tmp_path / "posts.csv")},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        return load_config(CONFIG, merged)

    return make
