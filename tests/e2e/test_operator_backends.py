"""The operator commands follow each job to its own backend.

The bug this reproduces: after `snakemake ... --config backend=gemini`, `emobatch jobs list
--refresh` read `backend: local` from config.yaml and reported the job as `404 NOT_FOUND`. Each
job now records its backend, endpoint and key fingerprint; the commands ask that backend, and
say so when the key in the environment cannot see the job.
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from emobatch.cli.main import main
from tests.e2e.conftest import Emulator, Project
from tests.e2e.test_gemini_backend import FAST, SECRET

pytestmark = pytest.mark.slow


def _cli(project: Project, monkeypatch: pytest.MonkeyPatch, key: str | None, *args: str) -> dict:
    monkeypatch.delenv("EMOBATCH_GEMINI_BASE_URL", raising=False)  # the endpoint is recorded
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    if key:
        monkeypatch.setenv("GEMINI_API_KEY", key)
    result = CliRunner().invoke(main, [*args, "--json", "--project", str(project.root)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _list(project: Project, monkeypatch: pytest.MonkeyPatch, key: str | None) -> dict:
    return _cli(project, monkeypatch, key, "jobs", "list", "--refresh")


def test_jobs_are_asked_of_the_backend_that_ran_them(
    project: Project, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"GEMINI_API_KEY": SECRET, "EMOBATCH_GEMINI_BASE_URL": emulator.url}
    project.snakemake("results/pilot.parquet", "--config", "backend=gemini", *FAST, env=env)
    project.snakemake("results/code_check.parquet")  # and one job on the configured local backend
    assert os.environ.get("EMOBATCH_GEMINI_BASE_URL") is None
    data = _list(project, monkeypatch, SECRET)
    jobs = {j["mode"]: j for j in data["jobs"]}
    gemini, local = jobs["pilot"], jobs["code_check"]
    assert gemini["backend"] == "gemini" and gemini["endpoint"] == emulator.url
    assert local["backend"] == "local" and local["endpoint"] is None
    for job in (gemini, local):
        assert job["live_error"] is None and job["state"] == "SUCCEEDED"
        assert job["finished_at"] and job["age_seconds"] is None and job["took_seconds"] >= 0
        assert job["model"].endswith("gemini-3.1-flash-lite")
    assert gemini["analysis_id"] != local["analysis_id"]  # two engines, two analyses

    other = _cli(
        project, monkeypatch, "AIzaSy-other-project-key-0", "jobs", "show", "pilot/chunk-0000"
    )
    assert "that key's project cannot see the job" in other["live_error"]
    assert "404" not in other["live_error"] and other["state"] == "SUCCEEDED"  # the local view
    nokey = _cli(project, monkeypatch, None, "jobs", "show", "pilot/chunk-0000")
    assert "no API key is set" in nokey["live_error"]
    local_job = _cli(project, monkeypatch, None, "jobs", "show", "code_check/chunk-0000")
    assert local_job["live_error"] is None and local_job["operation"]["done"] is True

    # submit-only on a finished mode says truthfully that nothing was submitted now
    project.snakemake("results/code_check.submitted.json")
    index = json.loads(project.path("results", "code_check.submitted.json").read_text("utf-8"))
    assert index["submitted_now"] == 0 and len(index["jobs"]) == 1
    log = project.path("logs", "analysis.log").read_text("utf-8")
    assert "code_check: 1 job(s), 0 of them submitted by this run" in log
