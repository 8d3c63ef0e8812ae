"""A small real project for the operator CLI, built once per session with Snakemake.

``built``: 30 posts; ``results/pilot.parquet`` run to the end (one SUCCEEDED job, parsed and
merged), then ``results/sampling.parquet`` submitted with 600 s of emulator latency in
non-blocking mode, so its job stays PENDING/RUNNING for the whole session. Tests that change
the project (cancel, fetch, forget) work on a copy (``project_copy``); jobs remember their
latency and creation time, so the copied sampling job is still running too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from emobatch.cli.main import main
from tests.e2e.conftest import REPO, Project, write_posts

RUNNING = ("--config", 'local={"latency_seconds": 600}', 'batch={"blocking": false}')


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("cli-project")
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 30)
    project = Project(root)
    project.snakemake("results/pilot.parquet")
    running = project.snakemake("results/sampling.parquet", *RUNNING, "-k", check=False)
    assert running.returncode != 0  # the poll exits 75: the job is still running
    assert list(root.glob("results/sampling/a*/submitted/chunk-0000.json")), running.stderr
    return project


@pytest.fixture
def project_copy(built: Project, tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "copy"
    shutil.copytree(built.root, root)
    yield Project(root)


def cli(project: Project, *args: str, input: str | None = None) -> Result:
    """Run ``emobatch ARGS --project ROOT`` in-process (the real click command)."""
    runner = CliRunner()
    return runner.invoke(
        main, [*args, "--project", str(project.root)], input=input, catch_exceptions=False
    )


def cli_json(project: Project, *args: str) -> dict:
    result = cli(project, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def job_names(project: Project) -> dict[str, str]:
    """mode -> job name, from the sentinels."""
    out = {}
    for path in project.root.glob("results/*/a*/submitted/chunk-0000.json"):
        sentinel = json.loads(path.read_text("utf-8"))
        out[sentinel["mode"]] = sentinel["job_name"]
    return out
