"""Non-blocking polling (cron, clusters): check once, exit, resume later, never resubmit.

The jobs take an hour (emulator latency); the hour passes between the runs without a real
wait (``age_emulator_jobs``), so the first run can never see them finish however slow the
machine is, and the test waits for nothing.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.e2e.conftest import Project, age_emulator_jobs

pytestmark = pytest.mark.slow
LATENCY = 3600.0


def test_nonblocking_poll_exits_then_resumes(project: Project) -> None:
    args = [
        "results/pilot.parquet",
        "-k",
        "--config",
        'batch={"blocking": false, "max_batch_size": 3}',
        f'local={{"latency_seconds": {LATENCY}}}',
    ]
    first = project.snakemake(*args, check=False)
    assert first.returncode != 0
    out = first.stdout + first.stderr
    assert "re-run the same snakemake command later to resume" in out
    # emobatch's own verdict is the last thing on the screen, after Snakemake's text
    last = first.stderr.strip().splitlines()
    ending = [i for i, line in enumerate(last) if line.startswith("emobatch: ")]
    assert ending, last[-15:]
    assert last[ending[-1]].startswith("emobatch: 2 job(s) still running: re-run the same command")
    assert all(line.startswith("  ") for line in last[ending[-1] + 1 :])
    assert "WorkflowError" not in "\n".join(last[ending[-1] :])
    assert not project.path("results", "pilot.parquet").exists()
    assert len(project.emulator_jobs()) == 2  # both chunks submitted, neither finished
    # the submit-only target reports the jobs without waiting
    project.snakemake("results/pilot.submitted.json", *args[1:])
    assert not project.path("results", "pilot.parquet").exists()
    # the hour passes for both jobs; the same command again resumes and collects
    assert age_emulator_jobs(project.path("results", "emulator"), LATENCY + 1) == 2
    project.snakemake(*args)
    df = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert len(df) == 5 and set(df["status"]) == {"ok"}
    assert len(project.emulator_jobs()) == 2  # resumed, nothing submitted again
    log = project.path("logs", "analysis.log").read_text("utf-8")
    assert "PENDING" in log or "RUNNING" in log
