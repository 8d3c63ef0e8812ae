"""kill -9 the whole pipeline at every boundary; the rerun pays nothing twice and loses nothing.

Each crash point (``emobatch.crashpoints``) SIGKILLs the process group: the Snakemake
controller and the running job die together, leaving a stale lock (cleared with
``snakemake --unlock``, as a user would) and whatever files existed at that instant. The
points are crossed in pipeline order in one project, each followed by a rerun, then the final
dataset is compared with an uninterrupted run of a second project.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.e2e.conftest import REPO, Project

POINTS = [
    "before_upload",
    "after_upload",
    "after_create",
    "during_poll",
    "during_download",
    "during_parse",
    "during_merge",
]
COMPARE = [
    "post_id",
    "status",
    "primary_emotion",
    "sentiment",
    "sentiment_score",
    "rationale",
    *[
        f"intensity_{e}"
        for e in ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")
    ],
    "prompt_tokens",
    "output_tokens",
    "likes",
    "platform",
]
TARGET = "results/pilot.parquet"
# one job at a time, so the first process to reach a crash point is always the same one;
# 5 posts in chunks of 2 -> 3 chunks
# --rerun-incomplete: what a user does after kill -9 of Snakemake (files of the killed job are
# marked incomplete); re-running a submit is safe because it asks the ledger first.
CONFIG = ["--cores", "1", "--rerun-incomplete", "--config", 'batch={"max_batch_size": 2}']


def _crash(project: Project, point: str) -> None:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(project.root),
        "--cores",
        "2",
        TARGET,
        *CONFIG,
    ]
    env = {**project.env, "EMOBATCH_CRASH_AT": point, "EMOBATCH_CRASH_SCOPE": "group"}
    proc = subprocess.run(
        cmd,
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )
    assert proc.returncode == -9, (
        f"{point}: expected SIGKILL, got {proc.returncode}\n{proc.stderr[-3000:]}"
    )
    project.snakemake("--unlock", TARGET, *CONFIG)


@pytest.mark.slow
def test_crash_at_every_boundary_then_rerun(project: Project, tmp_path_factory) -> None:
    from tests.e2e.conftest import write_posts

    run_dir = project.path("results", "pilot")
    for point in POINTS:
        _crash(project, point)
        if point == "after_create":
            # the provider has the job, the ledger no confirmation, Snakemake no sentinel
            events = [r["event"] for r in project.ledger_events()]
            # Snakemake may start the chunks in another order after each crash, so each crashed
            # run may have left an intent for a different chunk; never more than one per chunk
            intents = [r["chunk_sha256"] for r in project.ledger_events("intent")]
            assert events.count("submitted") == 0 and 1 <= len(intents) == len(set(intents)) <= 3
            assert events.count("uploaded") == 1  # the upload before the first crash left none
            assert len(project.emulator_jobs()) == 1
            assert not list(run_dir.glob("*/submitted/*.json"))
    project.snakemake(TARGET, *CONFIG)
    last = project.snakemake(TARGET, *CONFIG)
    assert "Nothing to be done" in last.stdout + last.stderr
    # no temporary file is left where the pipeline writes (the emulator's state is the
    # provider's side: a killed provider may leave debris of its own)
    leftovers = [
        f for f in project.root.joinpath("results").rglob("*.tmp") if "emulator" not in f.parts
    ]
    assert leftovers == []
    crashed = pd.read_parquet(project.path("results", "pilot.parquet"))

    # exactly one job per chunk, every post accounted for
    chunks = sorted(p.name for p in run_dir.glob("*/chunks/*.jsonl"))
    assert len(chunks) == 3
    jobs = project.emulator_jobs()
    names = [j.display_name for j in jobs]
    assert len(names) == len(set(names)) == 3
    submitted = project.ledger_events("submitted")
    assert len({(r["chunk_sha256"], r["attempt"]) for r in submitted}) == len(submitted) == 3
    assert len(crashed) == 5 and set(crashed["status"]) == {"ok"}

    # identical to an uninterrupted run
    clean_root = tmp_path_factory.mktemp("clean")
    import shutil

    shutil.copytree(REPO / "config", clean_root / "config")
    write_posts(clean_root / "data" / "raw" / "posts.csv", 40)
    clean = Project(clean_root)
    clean.snakemake(TARGET, *CONFIG)
    expected = pd.read_parquet(clean.path("results", "pilot.parquet"))
    pd.testing.assert_frame_equal(
        crashed[COMPARE].reset_index(drop=True), expected[COMPARE].reset_index(drop=True)
    )
    summary = json.loads(project.path("results", "pilot.summary.json").read_text("utf-8"))
    assert summary["posts"] == 5 and summary["failed"] == 0
