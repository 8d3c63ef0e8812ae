"""Repeat codings and their stability (with the emulator's seeded noisy responder), and the
comparison of a batch and a flex analysis of the same posts, through Snakemake."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.e2e.conftest import Emulator, Project
from tests.e2e.test_gemini_backend import FAST, _gemini_env

pytestmark = pytest.mark.slow
LABELS = [
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
    "neutral",
]


def test_three_replicates_with_label_noise(project: Project, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "noisy", extra=["--noise-rate", "0.3", "--noise-seed", "11"])
    args = ["--config", "backend=gemini", "repeats=3", *FAST]
    try:
        project.snakemake("results/sampling.parquet", "results/sampling.stability.json", *args,
                          env=_gemini_env(emu))  # fmt: skip
    finally:
        emu.stop()
    df = pd.read_parquet(project.path("results", "sampling.parquet"))
    n = len(df)
    assert n == 36 and set(df["result_source"]) == {"this_run"}  # never served from history
    assert (df["replicates"] == 3).all() and df["modal_primary_emotion"].notna().all()
    assert (df["replicate_agreement"] < 1).any()  # the noise made replicates differ
    parsed = sorted(project.path("results", "sampling").glob("a*/parsed/*.parquet"))
    rows = pd.concat([pq.read_table(p).to_pandas() for p in parsed])
    assert len(rows) == 3 * n and rows["post_id"].is_unique  # 3 requests per post, each paid
    assert rows["batch_job"].notna().all()
    # an independent computation of alpha across the replicates, with the krippendorff package
    rows["post"] = rows["post_id"].str.replace(r"#rep\d+$", "", regex=True)
    rows["rep"] = rows.groupby("post").cumcount()
    wide = rows.pivot(index="post", columns="rep", values="primary_emotion")
    data = np.array([[LABELS.index(x) for x in col] for col in wide.T.to_numpy()], dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    report = json.loads(project.path("results", "sampling.stability.json").read_text("utf-8"))
    fig = report["fields"]["primary_emotion"]
    assert report["replicates"] == 3 and report["posts"] == n
    assert fig["alpha_across_replicates"]["value"] == pytest.approx(expected)
    lo, hi = fig["alpha_across_replicates"]["ci"]
    assert lo <= expected <= hi and hi < 1
    identical = (wide.nunique(axis=1) == 1).mean()
    assert fig["share_identical"] == pytest.approx(identical, abs=1e-4)
    modal = df.set_index("post_id")["modal_primary_emotion"]
    for post, labels in wide.iterrows():
        counts = labels.value_counts()
        if (counts == counts.max()).sum() == 1:  # a unique most frequent label
            assert modal[post] == counts.idxmax()
        else:  # a tie: the earliest replicate's label among the tied ones
            assert modal[post] == next(x for x in labels if counts[x] == counts.max())


def test_compare_a_batch_and_a_flex_analysis(project: Project) -> None:
    project.snakemake("results/pilot.parquet")
    project.snakemake(
        "results/pilot.compare.json", "--config", "delivery=flex",
        'compare={"against": {"delivery": "batch"}}',
    )  # fmt: skip
    report = json.loads(project.path("results", "pilot.compare.json").read_text("utf-8"))
    assert report["posts_compared"] == 5
    assert report["this"]["delivery"] == "flex" and report["other"]["delivery"] == "batch"
    assert report["this"]["analysis_id"] != report["other"]["analysis_id"]
    # the offline dictionary is deterministic: the same codes, and flex costs what batch costs
    assert report["fields"]["primary_emotion"]["identical"] == 1.0
    assert report["fields"]["primary_emotion"]["kappa"] == pytest.approx(1.0)
    assert report["this"]["cost_usd"] == pytest.approx(report["other"]["cost_usd"])
