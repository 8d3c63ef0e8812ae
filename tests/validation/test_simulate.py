"""Simulated coders: seeded, controlled disagreement, readable by the human-codes reader."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from emobatch.codebook import Codebook
from emobatch.validation import model_labels_from_results, read_human_codes, simulate_coders
from tests.validation.conftest import MakeResults, skewed_labels


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_seeded_and_controlled(
    tmp_path: Path, codebook: Codebook, make_results: MakeResults
) -> None:
    results = make_results(
        skewed_labels(codebook, (100, 40, 40, 40, 60, 20, 50, 30, 120)), failed=7
    )
    out = [tmp_path / f"{n}.csv" for n in "abc"]
    counts = simulate_coders(results, codebook, out[0], coders=3, size=400, seed=1, accuracy=0.7)
    simulate_coders(results, codebook, out[1], coders=3, size=400, seed=1, accuracy=0.7)
    simulate_coders(results, codebook, out[2], coders=3, size=400, seed=2, accuracy=0.7)
    assert out[0].read_bytes() == out[1].read_bytes() != out[2].read_bytes()
    assert counts == {
        "posts": 400,
        "coders": 3,
        "rows": 1200,
        "seed": 1,
        "accuracy": [0.7] * 3,
        "simulated": True,
        "file": str(out[0]),
    }
    model = model_labels_from_results(results, codebook)
    rows = _rows(out[0])
    assert {r["coder"] for r in rows} == {"simulated_1", "simulated_2", "simulated_3"}
    assert all(r["post_id"] in model for r in rows)  # failed rows are never used
    same = pd.Series([r["primary_emotion"] == model[r["post_id"]]["primary_emotion"] for r in rows])
    assert same.mean() == pytest.approx(0.7, abs=0.04)
    assert all(r["primary_emotion"] in codebook.labels for r in rows)
    assert read_human_codes(out[:1], codebook, set(model)).coders == (
        "simulated_1",
        "simulated_2",
        "simulated_3",
    )


def test_per_coder_accuracy_and_intensities(
    tmp_path: Path, codebook: Codebook, make_results: MakeResults
) -> None:
    results = make_results(skewed_labels(codebook, (10, 5, 5, 5, 5, 5, 5, 5, 5)))
    simulate_coders(
        results,
        codebook,
        tmp_path / "s.csv",
        coders=2,
        size=50,
        seed=3,
        accuracy=[1.0, 0.0],
        intensities=True,
        intensity_noise=0.0,
    )
    model = model_labels_from_results(results, codebook)
    rows = _rows(tmp_path / "s.csv")
    perfect = [r for r in rows if r["coder"] == "simulated_1"]
    wrong = [r for r in rows if r["coder"] == "simulated_2"]
    assert all(r["primary_emotion"] == model[r["post_id"]]["primary_emotion"] for r in perfect)
    assert all(r["sentiment"] != model[r["post_id"]]["sentiment"] for r in wrong)
    for r in perfect:
        assert float(r["intensity_joy"]) == pytest.approx(
            model[r["post_id"]]["intensity_joy"], abs=0.05
        )
    with pytest.raises(ValueError, match="accuracy"):
        simulate_coders(results, codebook, tmp_path / "x.csv", coders=3, seed=1, accuracy=[0.5])
