"""budget_usd stops a run before anything is uploaded, even when the estimate predates it."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Project

pytestmark = pytest.mark.slow


def test_budget_set_after_the_estimate_still_stops_the_submit(project: Project) -> None:
    project.snakemake("results/pilot.estimate.json")
    estimate = json.loads(project.path("results", "pilot.estimate.json").read_text("utf-8"))
    assert estimate["requests"] == 5 and estimate["usd_batch"] > 0
    proc = project.snakemake(
        "results/pilot.parquet", "--config", "budget_usd=0.000001", check=False
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "above budget_usd = $0.0000" in out and "Nothing was uploaded or submitted" in out
    tail = proc.stderr.strip().splitlines()[-4:]  # emobatch's verdict closes the output
    assert tail[0] == "emobatch: the run stopped: 1 job(s) failed.", tail
    assert tail[1].startswith("  batch_submit (mode pilot, analysis a") and "budget_usd" in tail[1]
    assert tail[2].startswith("    log: logs/pilot/") and tail[3].startswith("    next step: ")
    assert project.ledger_events() == []
    assert project.emulator_jobs() == []
