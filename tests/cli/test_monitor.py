"""`emobatch monitor`: driven through its menu on a terminal (pexpect) and over a pipe."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.cli.conftest import cli, job_names
from tests.e2e.conftest import Project

# the session's `built` project is built once per xdist worker: keep its users on one
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli")]


def emobatch() -> str:
    found = Path(sys.executable).parent / "emobatch"
    return str(found) if found.exists() else (shutil.which("emobatch") or "emobatch")


def test_menu_on_a_terminal(built: Project) -> None:
    names = job_names(built)
    env = {**built.env, "NO_COLOR": "1", "TERM": "xterm"}
    child = pexpect.spawn(
        emobatch(),
        ["monitor", "--project", str(built.root), "--interval", "0.5"],
        env=env,
        encoding="utf-8",
        dimensions=(50, 220),
        timeout=60,
        # as from a person's terminal: a shell that starts us in the background (nohup ... &)
        # passes SIGINT ignored, and then Ctrl-C could never reach the live view
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        child.expect("1  list jobs")
        child.expect("choice> ")
        child.send("1\r")
        child.expect(r"actual \$")  # the job table
        child.expect(names["pilot"].removeprefix("batches/"))
        child.expect("SUCCEEDED")
        child.expect(names["sampling"].removeprefix("batches/"))
        child.expect("(PENDING|RUNNING)")
        child.expect("choice> ")
        child.send("2\r")
        child.expect(r"job \(number, name or MODE/CHUNK\)> ")
        child.send(names["sampling"] + "\r")
        child.expect("batchStats   requests 25, succeeded 0, failed 0, pending 25")
        child.expect("next ")
        child.expect("choice> ")
        child.send("5\r")  # live view, refreshed every 0.5 s; a single q returns
        child.expect("live view")
        child.expect(names["sampling"].removeprefix("batches/"))
        child.send("q")
        child.expect("choice> ")
        child.send("5\r")  # again, left with Ctrl-C this time
        child.expect("live view")
        child.sendintr()
        child.expect("choice> ")
        child.send("q\r")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before


def test_plain_stdin_without_a_terminal(built: Project) -> None:
    names = job_names(built)
    script = "1\n2\npilot/chunk-0000\n5\nq\n9\n3\n1\n"
    proc = subprocess.run(
        [emobatch(), "monitor", "--project", str(built.root), "--interval", "0.5"],
        input=script,
        capture_output=True,
        text=True,
        env=built.env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Traceback" not in proc.stderr
    assert names["pilot"] in out and names["sampling"] in out
    assert "batchStats   requests 5, succeeded 5, failed 0, pending 0" in out
    assert "live view: every 0.5s" in out
    assert f"{names['sampling']} PENDING" in out or f"{names['sampling']} RUNNING" in out
    assert "unknown choice '9'" in out
    assert "parse     kept" in out  # 3 + job 1: already processed by the pipeline
    assert out.rstrip().endswith("end of input: bye")


def test_end_of_input_quits_and_once_prints_the_table(built: Project) -> None:
    names = job_names(built)
    empty = cli(built, "monitor", input="")
    assert empty.exit_code == 0 and empty.stdout.rstrip().endswith("end of input: bye")
    once = cli(built, "monitor", "--once")
    assert once.exit_code == 75  # a job is still running
    for name in names.values():
        assert name.removeprefix("batches/") in once.stdout


def test_no_project_is_a_clean_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [emobatch(), "jobs", "list", "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "EMOBATCH_PROJECT"},
    )
    assert proc.returncode == 1
    assert "does not look like an emobatch project" in proc.stderr
    assert "next step:" in proc.stderr and "Traceback" not in proc.stderr
