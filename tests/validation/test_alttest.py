"""The alt-test (Calderon, Reichart & Dror, ACL 2025) on hand-computed and constructed cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ttest_1samp

from emobatch.validation import alt_test, benjamini_yekutieli


def test_benjamini_yekutieli_hand_computed() -> None:
    # m = 4, H = 25/12: thresholds k/4 * 0.05 / H = 0.006, 0.012, 0.018, 0.024
    assert benjamini_yekutieli([0.5, 0.001, 0.02, 0.03]) == [False, True, False, False]
    # step-up: 0.01 > 0.00909 but 0.011 <= 0.01818 and 0.012 <= 0.02727 -> all rejected
    assert benjamini_yekutieli([0.012, 0.01, 0.011]) == [True, True, True]
    # Benjamini-Hochberg would reject 0.0095 (<= 0.05 / 3); BY needs <= 0.05 / 3 / H = 0.00909
    assert benjamini_yekutieli([0.0095, 0.5, 0.9]) == [False, False, False]
    assert benjamini_yekutieli([]) == []


def test_hand_computed_advantage_probabilities() -> None:
    humans = {
        "a": {"i1": "x", "i2": "y", "i3": "x", "i4": "z"},
        "b": {"i1": "x", "i2": "x", "i3": "y", "i4": "z"},
        "c": {"i1": "y", "i2": "x", "i3": "y", "i4": "z"},
    }
    model = {"i1": "x", "i2": "x", "i3": "z", "i4": "z"}
    res = alt_test(humans, model, epsilon=0.2, min_items=1)
    by = {a["coder"]: a for a in res["annotators"]}
    # worked by hand: W_f / W_j per item for a: (1,1) (1,0) (1,1) (1,1); b: (1,1) (1,1) (0,1)
    # (1,1); c: (1,0) (1,1) (0,1) (1,1)
    assert (by["a"]["rho_model"], by["a"]["rho_human"]) == (1.0, 0.75)
    assert (by["b"]["rho_model"], by["b"]["rho_human"]) == (0.75, 1.0)
    assert (by["c"]["rho_model"], by["c"]["rho_human"]) == (0.75, 0.75)
    assert res["advantage_probability"] == pytest.approx(2.5 / 3)
    for coder, d in (("a", [0, -1, 0, 0]), ("b", [0, 0, 1, 0]), ("c", [-1, 0, 1, 0])):
        expected = ttest_1samp(d, 0.2, alternative="less").pvalue
        assert by[coder]["p_value"] == pytest.approx(expected)


def _panel(rng: np.random.Generator, items: int, coders: int, accuracy: float, k: int = 5):
    truth = rng.integers(0, k, items)
    humans = {}
    for c in range(coders):
        noisy = np.where(rng.random(items) < accuracy, truth, rng.integers(0, k, items))
        humans[f"h{c}"] = {f"i{i}": str(v) for i, v in enumerate(noisy)}
    return truth, humans


def test_model_equal_to_the_consensus_passes() -> None:
    rng = np.random.default_rng(0)
    _, humans = _panel(rng, 100, 4, 0.7)
    consensus = {}
    for i in humans["h0"]:
        labels = [humans[h][i] for h in humans]
        consensus[i] = max(sorted(set(labels)), key=labels.count)
    res = alt_test(humans, consensus)
    assert res["passed"] and res["winning_rate"] == 1.0
    assert res["advantage_probability"] > 0.9
    assert all(a["rejected"] for a in res["annotators"])


def test_random_model_fails() -> None:
    rng = np.random.default_rng(1)
    _, humans = _panel(rng, 100, 4, 0.8)
    model = {i: str(v) for i, v in zip(humans["h0"], rng.integers(0, 5, 100), strict=True)}
    res = alt_test(humans, model)
    assert not res["passed"] and res["winning_rate"] == 0.0
    assert res["advantage_probability"] < 0.5
    assert all(a["p_value"] > 0.05 for a in res["annotators"])


def test_epsilon_decides_a_model_as_good_as_a_human() -> None:
    rng = np.random.default_rng(2)
    truth, humans = _panel(rng, 200, 4, 0.7)
    model = {f"i{i}": str(v) for i, v in enumerate(np.where(rng.random(200) < 0.7, truth, 0))}
    strict = alt_test(humans, model, epsilon=0.0)
    lenient = alt_test(humans, model, epsilon=0.3)
    assert lenient["winning_rate"] > strict["winning_rate"]
    assert lenient["passed"]


def test_constant_differences_and_skipped_annotators() -> None:
    same = {f"i{i}": "x" for i in range(40)}
    res = alt_test({"a": same, "b": same, "c": same}, same)
    assert [a["p_value"] for a in res["annotators"]] == [0.0, 0.0, 0.0]  # d = 0 < epsilon
    assert res["passed"]
    short = {"a": same, "b": same, "c": {"i1": "x"}}
    res = alt_test(short, same)
    skipped = [a for a in res["annotators"] if a["skipped"]]
    assert [a["coder"] for a in skipped] == ["c"] and skipped[0]["rejected"] is None
    assert res["winning_rate"] == 1.0
    res = alt_test({"a": {"i1": "x"}, "b": {"i1": "x"}, "c": {"i1": "y"}}, {"i1": "x"})
    assert res["winning_rate"] is None and not res["passed"]
