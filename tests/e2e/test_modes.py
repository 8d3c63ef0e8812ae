"""Every mode end to end through Snakemake on the local backend (the real SDK + emulator)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.e2e.conftest import Project, private_workflow, write_posts

EMOTIONS = ["joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"]
LABELS = {*EMOTIONS, "neutral"}


def _check_dataset(project: Project, mode: str, n: int) -> pd.DataFrame:
    df = pd.read_parquet(project.path("results", f"{mode}.parquet"))
    assert len(df) == n
    assert df["post_id"].is_unique
    assert set(df["status"]) == {"ok"}
    assert set(df["primary_emotion"]) <= LABELS
    assert set(df["sentiment"]) <= {"positive", "negative", "neutral"}
    for e in EMOTIONS:
        assert df[f"intensity_{e}"].between(0, 1).all()
    assert df["sentiment_score"].between(-1, 1).all()
    assert df["model_version"].str.startswith("emobatch-lexicon-").all()
    assert df["batch_job"].str.startswith("batches/").all()
    assert {"likes", "platform", "analysis_key", "analysis_id", "codebook_version"} <= set(df)
    csv = project.path("results", f"{mode}.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert len(pd.read_csv(project.path("results", f"{mode}.csv"), encoding="utf-8-sig")) == n
    return df


@pytest.mark.slow
def test_code_check(project: Project) -> None:
    project.snakemake("results/code_check.parquet")
    _check_dataset(project, "code_check", 1)
    assert len(project.emulator_jobs()) == 1


@pytest.mark.slow
@pytest.mark.xdist_group("pilot")
def test_pilot_reruns_never_pay_twice(pilot_copy: Project) -> None:
    project = pilot_copy  # `snakemake results/pilot.parquet` ran once, in pilot_built
    # a workflow of its own: the test touches a script, the repo's stays as it is
    project.snakefile = private_workflow(project.root)
    pilot = _check_dataset(project, "pilot", 5)
    assert len(project.emulator_jobs()) == 1
    # the same command again: nothing to do, no API call
    again = project.snakemake("results/pilot.parquet")
    assert "Nothing to be done" in again.stdout + again.stderr
    # touching the raw data changes nothing
    project.path("data", "raw", "posts.csv").touch()
    project.snakemake("results/pilot.parquet")
    # a touched submit script re-runs batch_submit (Snakemake's code trigger): the ledger answers
    (project.snakefile.parent / "workflow" / "scripts" / "batch_submit.py").touch()
    rerun = project.snakemake("results/pilot.parquet")
    assert "batch_submit" in rerun.stdout + rerun.stderr
    # forcing the submit rule and everything after it
    project.snakemake("results/pilot.parquet", "-R", "batch_submit")
    # forcing everything: filter now finds the posts in the history, nothing to submit
    project.snakemake("results/pilot.parquet", "-F")
    assert len(project.emulator_jobs()) == 1
    assert len(project.ledger_events("intent")) == 1
    assert len(project.ledger_events("submitted")) == 1
    final = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert sorted(final["post_id"]) == sorted(pilot["post_id"])
    cols = ["post_id", "primary_emotion", "sentiment", "rationale"]
    assert (
        final.sort_values("post_id")[cols]
        .reset_index(drop=True)
        .equals(pilot.sort_values("post_id")[cols].reset_index(drop=True))
    )
    log = project.path("logs", "analysis.log").read_text("utf-8")
    assert "BATCH submit" in log and "BATCH merge" in log
    assert log.count("(ledger); no API call") >= 2
    # the cost ledger: one estimate at submit (reruns add none), the actual cost after parse
    costs = project.ledger_events("cost")
    estimates = [c for c in costs if c["kind"] == "estimate"]
    actuals = [c for c in costs if c["kind"] == "actual"]
    assert len(estimates) == 1 and estimates[0]["requests"] == 5
    assert actuals and {a["job_name"] for a in actuals} == {estimates[0]["job_name"]}
    assert abs(actuals[-1]["usd_batch"] / estimates[0]["usd_batch"] - 1) < 0.10


@pytest.mark.slow
def test_sampling_then_full_submits_only_new_posts(project: Project) -> None:
    write_posts(project.path("data", "raw", "posts.csv"), 120)
    cfg = ["--config", 'sampling={"min_size": 1}', 'batch={"max_batch_size": 40}']
    project.snakemake("results/sampling.parquet", *cfg)
    # Cochran for N=120 at 95 % / 5 %: 92
    sampled = _check_dataset(project, "sampling", 92)
    report = json.loads(
        next(project.path("results", "sampling").glob("a*/filter/report.json")).read_text("utf-8")
    )
    assert report["selected"] == 92
    assert len(project.emulator_jobs()) == 3  # 92 requests in chunks of <= 40
    project.snakemake("results/full.parquet", *cfg)
    full = _check_dataset(project, "full", 120)
    assert (full["result_source"] == "history").sum() == 92
    reused = full[full["result_source"] == "history"].set_index("post_id")
    assert set(reused.index) == set(sampled["post_id"])
    assert len(project.emulator_jobs()) == 4  # only the 28 new posts were submitted


@pytest.mark.slow
@pytest.mark.xdist_group("pilot")
def test_changing_the_model_or_codebook_starts_a_new_analysis(pilot_copy: Project) -> None:
    project = pilot_copy  # `snakemake results/pilot.parquet` ran once, in pilot_built
    first = pd.read_parquet(project.path("results", "pilot.parquet"))
    project.snakemake(
        "results/pilot.parquet", "--config", 'batch={"model_name": "gemini-2.5-flash-lite"}'
    )
    second = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert first["analysis_id"].iloc[0] != second["analysis_id"].iloc[0]
    assert set(second["model"]) == {"gemini-2.5-flash-lite"}
    assert set(second["result_source"]) == {"this_run"}
    assert len(project.emulator_jobs()) == 2
    assert len(list(project.path("results", "pilot").glob("a*"))) == 2
    # editing the codebook (its content hash is its version) is a new analysis as well
    codebook = project.path("config", "codebook", "emotion.yaml")
    codebook.write_text(codebook.read_text("utf-8") + "\n# clarified wording\n", "utf-8")
    project.snakemake("results/pilot.parquet")
    third = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert third["codebook_version"].iloc[0] != first["codebook_version"].iloc[0]
    assert (
        len(
            {
                first["analysis_id"].iloc[0],
                second["analysis_id"].iloc[0],
                third["analysis_id"].iloc[0],
            }
        )
        == 3
    )
    assert len(project.emulator_jobs()) == 3
