"""The progress view on a real terminal (a pty): elapsed time, last and next check, and the
job's state change shown within seconds of the job finishing (the first checks come early)."""

from __future__ import annotations

import re
import sys
import time

import pexpect
import pytest

from tests.e2e.conftest import REPO, Project

pytestmark = pytest.mark.slow
LATENCY = 8.0


def test_progress_line_on_a_terminal(project: Project) -> None:
    args = [
        "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
        str(project.root), "--cores", "2", "results/pilot.parquet", "--config",
        f'local={{"latency_seconds": {LATENCY}}}',
    ]  # fmt: skip
    child = pexpect.spawn(
        sys.executable, args, cwd=str(project.root), env=project.env, encoding="utf-8",
        timeout=120, dimensions=(40, 250),
    )  # fmt: skip
    child.expect(r"BATCH submit pilot/a[0-9a-f]{11} chunk-0000\.jsonl -> batches/")
    submitted = time.monotonic()
    child.expect(
        r"(PENDING|RUNNING) 0/5 requests .* elapsed \d+s · last check \d+s ago · next check in \d+s"
    )
    running = child.after
    child.expect(r"SUCCEEDED 5/5 requests")
    seen = time.monotonic() - submitted
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before[-3000:]
    assert re.search(r"elapsed \d+s", running) and "next check in" in running
    # the job ends LATENCY s after its creation; the growing schedule (2, 3, 4.5, ...) sees it
    # within a few seconds, not after poll_interval_seconds (300)
    assert LATENCY - 1 <= seen <= LATENCY + 8, seen
