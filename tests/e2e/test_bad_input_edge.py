"""Bad input and bad config at the pipeline's edge: a message naming what to fix, no traceback.

One bad file goes through Snakemake here; the message of every bad file, the exit code and the
verdict the adapter writes are checked without Snakemake in
tests/pipeline/test_workflow_adapter.py (and each file's reading in tests/stages).
"""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.conftest import REPO, Project

pytestmark = pytest.mark.slow
BAD = REPO / "tests" / "data" / "bad_inputs"


@pytest.mark.parametrize(
    ("name", "needles"),
    [("missing_id_column.csv", ["no column 'post_id'", "set input.id_column"])],
)
def test_bad_input_file_stops_with_a_message(project: Project, name: str, needles) -> None:
    shutil.copy(BAD / name, project.path("data", "raw", name))
    proc = project.snakemake(
        "results/pilot.parquet", "--config", f'input={{"path": "data/raw/{name}"}}', check=False
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    for needle in needles:
        assert needle in out
    assert "Traceback" not in out
    assert project.ledger_events() == []  # nothing was submitted


def test_invalid_config_stops_before_any_rule(project: Project) -> None:
    proc = project.snakemake(
        "results/pilot.parquet", "--config", 'batch={"max_batch_size": -5}', check=False
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "batch.max_batch_size: -5 is less than the minimum of 1" in out
    assert "Traceback" not in out
    assert not project.path("results").exists()
