"""Every row says truthfully what coded it (the bug this reproduces: after an offline run,
``backend=gemini`` reused the dictionary's rows from the history and labelled them Gemini's).

Runs the real Snakemake workflow, offline (``local``) and against a standalone emulator as the
``gemini`` backend, in both orders, and checks that no row crosses engines; that a shut-down
model stops before anything is uploaded; and that an answer from another model than the one
requested is flagged and warned about. (How such an answer is priced and warned about, row by
row and in the summary, is checked without Snakemake in tests/pipeline/test_parse.py and
test_summary.py.)
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from emobatch.emulator import read_stats
from tests.e2e.conftest import Project
from tests.e2e.test_gemini_backend import FAST, Emulator, _gemini_env

pytestmark = pytest.mark.slow
LOCAL = ["--config", *FAST[:2]]  # no sampling.min_size: the sample is all 40 posts
GEMINI = ["--config", "backend=gemini", *FAST[:2]]


def _history(project: Project) -> pd.DataFrame:
    parts = sorted(project.path("results", "history").glob("part-*.parquet"))
    return pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)


def _gemini_rows_are_the_endpoints(df: pd.DataFrame, emulator: Emulator) -> None:
    jobs = {j.name for j in emulator.jobs()}
    assert set(df["result_source"]) == {"this_run"}
    assert set(df["batch_job"]) <= jobs and df["batch_job"].notna().all()
    assert set(df["engine"]) == {"gemini:gemini-3.1-flash-lite"}
    # the emulator answers as the dictionary and says so; the rows are flagged, not disguised
    assert set(df["model_version"]) == {"emobatch-lexicon-1.0.0"}
    assert df["model_routed"].all()


def test_local_then_gemini_reuses_nothing(project: Project, emulator: Emulator) -> None:
    project.snakemake("results/sampling.parquet", *LOCAL)  # 40 posts: the whole population
    local = pd.read_parquet(project.path("results", "sampling.parquet"))
    assert len(local) == 40 and set(local["engine"]) == {"lexicon:emobatch-lexicon-1.0.0"}
    assert not local["model_routed"].any()
    summary = json.loads(project.path("results", "sampling.summary.json").read_text("utf-8"))
    assert (
        "offline dictionary baseline" in summary["coded_by"] and "not an LLM" in summary["coded_by"]
    )

    project.snakemake("results/pilot.parquet", *GEMINI, env=_gemini_env(emulator))
    pilot = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert len(pilot) == 5 and set(pilot["post_id"]) <= set(local["post_id"])
    _gemini_rows_are_the_endpoints(pilot, emulator)
    assert pilot["analysis_id"].iloc[0] != local["analysis_id"].iloc[0]
    summary = json.loads(project.path("results", "pilot.summary.json").read_text("utf-8"))
    assert summary["from_history"] == 0 and summary["routed_rows"] == 5
    assert any("not Gemini" in w for w in summary["warnings"])
    log = project.path("logs", "analysis.log").read_text("utf-8")
    assert "not from gemini-3.1-flash-lite: this endpoint is not Gemini" in log

    history = _history(project)
    by_engine = history.groupby("engine")["analysis_id"].nunique().to_dict()
    assert by_engine == {"gemini:gemini-3.1-flash-lite": 1, "lexicon:emobatch-lexicon-1.0.0": 1}
    assert history.groupby("analysis_id").size().to_dict() == {
        local["analysis_id"].iloc[0]: 40,
        pilot["analysis_id"].iloc[0]: 5,
    }


def test_gemini_then_local_reuses_nothing(project: Project, emulator: Emulator) -> None:
    project.snakemake("results/pilot.parquet", *GEMINI, env=_gemini_env(emulator))
    pilot = pd.read_parquet(project.path("results", "pilot.parquet"))
    _gemini_rows_are_the_endpoints(pilot, emulator)
    project.snakemake("results/sampling.parquet", *LOCAL)
    local = pd.read_parquet(project.path("results", "sampling.parquet"))
    assert set(pilot["post_id"]) <= set(local["post_id"])
    assert set(local["result_source"]) == {"this_run"}
    assert set(local["engine"]) == {"lexicon:emobatch-lexicon-1.0.0"}
    assert not set(local["batch_job"]) & set(pilot["batch_job"])


def test_shut_down_model_stops_before_any_upload(project: Project, emulator: Emulator) -> None:
    proc = project.snakemake(
        "results/pilot.parquet",
        "--config",
        "backend=gemini",
        'batch={"model_name": "gemini-2.5-flash"}',
        env=_gemini_env(emulator),
        check=False,
    )
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "gemini-2.5-flash was shut down on 2026-12-01" in out
    assert "gemini-3.5-flash-lite" in out and "Traceback" not in out
    stats = read_stats(emulator.state)
    assert stats["upload_starts"] == 0 and stats["creates_total"] == 0
