"""The suite's own rules (tests/conftest.py): a clean environment, no writes into the repo, and
Snakemake only in tests marked slow."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ISOLATED, repo_changes, runs_snakemake


def test_no_key_endpoint_or_hook_reaches_a_test() -> None:
    assert not [k for k in ISOLATED if k in os.environ]
    assert not [k for k in os.environ if k.startswith("EMOBATCH_")]


@pytest.mark.parametrize("name", ["GEMINI_API_KEY", "EMOBATCH_CRASH_AT", "EMOBATCH_ANYTHING"])
def test_a_variable_set_by_one_test_is_gone_in_the_next(name: str) -> None:
    assert name not in os.environ
    os.environ[name] = "set without monkeypatch"  # the root fixture removes it before the next


def test_commands_that_start_snakemake_are_recognised() -> None:
    assert runs_snakemake([sys.executable, "-m", "snakemake", "--cores", "2"])
    assert runs_snakemake(["/opt/venv/bin/snakemake", "-n"])
    assert runs_snakemake("snakemake")
    assert not runs_snakemake([sys.executable, "-m", "emobatch.cli.main", "emulator", "serve"])
    assert not runs_snakemake(["Rscript", "-e", "cat('snakemake')"])


def test_a_test_not_marked_slow_cannot_start_snakemake() -> None:
    with pytest.raises(AssertionError, match="runs Snakemake but is not marked slow"):
        subprocess.run([sys.executable, "-m", "snakemake", "--version"], check=False)


def test_changes_in_results_and_logs_are_named() -> None:
    before = {"results": {"results": (0, 1), "results/a": (1, 1)}, "logs": None}
    after = {
        "results": {"results": (0, 1), "results/a": (1, 2), "results/b": (1, 1)},
        "logs": {"logs": (0, 1)},
    }
    assert repo_changes(before, after) == [
        "created results/b",
        "changed results/a",
        "logs/ was created",
    ]
    assert repo_changes(before, before) == []
