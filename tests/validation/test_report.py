"""validation_report and render_markdown end to end: simulated coders -> reader -> report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from emobatch.codebook import Codebook
from emobatch.validation import (
    FORMAT,
    model_labels_from_results,
    read_human_codes,
    render_markdown,
    simulate_coders,
    validation_report,
)
from tests.validation.conftest import MakeResults, skewed_labels

HEADLINE = (
    "alpha_humans",
    "alpha_with_model",
    "kappa_vs_majority",
    "accuracy_vs_majority",
    "macro_f1",
    "ac1_vs_majority",
)


@pytest.fixture
def inputs(tmp_path: Path, codebook: Codebook, make_results: MakeResults) -> dict:
    results = make_results(skewed_labels(codebook, (60, 10, 15, 10, 30, 5, 20, 10, 40)), failed=5)
    simulate_coders(
        results,
        codebook,
        tmp_path / "sim.csv",
        coders=3,
        size=120,
        seed=4,
        accuracy=[0.9, 0.8, 0.7],
        intensities=True,
    )
    with open(tmp_path / "sim.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["gone-1", "simulated_1", "joy", "", ""])  # not in the analysis
    model = model_labels_from_results(results, codebook)
    human = read_human_codes([tmp_path / "sim.csv"], codebook, set(model))
    rng = np.random.default_rng(0)
    baseline = {
        p: {"primary_emotion": str(rng.choice(codebook.labels)), "sentiment": v["sentiment"]}
        for p, v in model.items()
    }
    return {"human": human, "model": model, "baseline": baseline}


def test_report_structure_and_json(inputs: dict, codebook: Codebook) -> None:
    rep = validation_report(
        inputs["human"], inputs["model"], inputs["baseline"], codebook, seed=3, draws=500
    )
    json.dumps(rep, allow_nan=False)  # JSON-ready: no numpy types, no NaN
    assert rep["format"] == FORMAT == "emobatch.validation/1"
    assert rep["items"] == 120 and rep["coders"] == ["simulated_1", "simulated_2", "simulated_3"]
    assert rep["unknown_posts"] == {"count": 1, "post_ids": ["gone-1"]}
    assert rep["items_without_model"]["count"] == 0
    assert rep["bootstrap"]["draws"] == 500 and rep["bootstrap"]["seed"] == 3
    pe = rep["fields"]["primary_emotion"]
    for key in HEADLINE:
        fig = pe[key]
        assert fig["value"] is not None and fig["ci"][0] <= fig["ci"][1]
        assert fig["valid_draws"] == 500
    assert pe["confusion"]["labels"] == list(codebook.labels)
    assert sum(map(sum, pe["confusion"]["matrix"])) == pe["items_compared"]
    assert pe["items_compared"] + pe["no_majority_items"] == 120
    assert pe["alt_test"]["annotators"][0]["items"] == 120
    assert set(rep["fields"]["intensities"]) == set(codebook.emotions)
    # the simulated coders copy the model 70-90 % of the time: far better than random labels
    base = rep["baseline"]["fields"]["primary_emotion"]
    assert pe["kappa_vs_majority"]["value"] > 0.8 > 0.2 > base["kappa_vs_majority"]["value"]
    assert base["alpha_humans"] == pe["alpha_humans"]  # same draws, same humans
    assert pe["alt_test"]["passed"] and not base["alt_test"]["passed"]


def test_report_is_deterministic_under_a_seed(inputs: dict, codebook: Codebook) -> None:
    a = validation_report(inputs["human"], inputs["model"], None, codebook, seed=1, draws=300)
    b = validation_report(inputs["human"], inputs["model"], None, codebook, seed=1, draws=300)
    c = validation_report(inputs["human"], inputs["model"], None, codebook, seed=2, draws=300)
    assert a == b
    fa, fc = a["fields"]["primary_emotion"], c["fields"]["primary_emotion"]
    assert fa["kappa_vs_majority"]["value"] == fc["kappa_vs_majority"]["value"]
    assert fa["kappa_vs_majority"]["ci"] != fc["kappa_vs_majority"]["ci"]
    assert a["baseline"] is None


def test_two_coders_no_alt_test_and_missing_model(inputs: dict, codebook: Codebook) -> None:
    human = inputs["human"]
    two = type(human)(
        coders=human.coders[:2],
        posts=human.posts,
        labels={
            f: {c: v for c, v in by.items() if c != "simulated_3"} for f, by in human.labels.items()
        },
        intensities={},
    )
    model = dict(inputs["model"])
    pe_codes = two.labels["primary_emotion"]
    gone = next(p for p in two.posts if pe_codes["simulated_1"][p] == pe_codes["simulated_2"][p])
    del model[gone]  # a post with a human majority but no model answer
    rep = validation_report(two, model, None, codebook, seed=1, draws=200)
    assert rep["fields"]["primary_emotion"]["alt_test"] is None
    assert rep["fields"]["intensities"] == {}
    assert rep["items_without_model"] == {"count": 1, "post_ids": [gone]}
    pe = rep["fields"]["primary_emotion"]
    assert pe["no_model_label_items"] == 1
    assert pe["items_compared"] == 120 - pe["no_majority_items"] - 1


def test_render_markdown(inputs: dict, codebook: Codebook) -> None:
    rep = validation_report(
        inputs["human"], inputs["model"], inputs["baseline"], codebook, seed=3, draws=200
    )
    md = render_markdown(rep)
    pe = rep["fields"]["primary_emotion"]
    lo, hi = pe["alpha_with_model"]["ci"]
    assert "| figure | LLM | 95 % CI | baseline | 95 % CI |" in md
    assert f"| {pe['alpha_with_model']['value']:.3f} | [{lo:.3f}, {hi:.3f}] |" in md
    assert "0.667" in md and "0.800" in md and "interval" in md
    assert "## primary_emotion" in md and "## sentiment" in md and "### joy" in md
    assert "Alt-test (LLM" in md and "Alt-test (baseline" in md
    assert "1 coded posts are not in this analysis" in md and "gone-1" in md
    alone = render_markdown(
        validation_report(inputs["human"], inputs["model"], None, codebook, seed=3, draws=50)
    )
    assert "baseline |" not in alone and "No baseline was given." in alone
