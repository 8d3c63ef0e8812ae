"""Every statistic against published, hand-computed or reference-implementation values."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from emobatch.validation import gwet_ac1
from emobatch.validation.agreement import (
    confusion_counts,
    interval_alpha,
    nominal_alpha,
    pair_scores,
    spearman,
    value_counts,
)
from emobatch.validation.bootstrap import resample_weights
from emobatch.validation.stats import intensity_figures, label_figures, majority_codes

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4 coders x 12 units
# example with missing values: nominal alpha = 0.743, interval alpha = 0.849.
TEXTBOOK = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])  # fmt: skip


def _codes(data: np.ndarray) -> np.ndarray:
    """(coders, units) floats with nan -> (units, coders) int codes 0.. with -1 missing."""
    return np.where(np.isnan(data.T), -1, np.nan_to_num(data.T) - 1).astype(np.int64)


def test_krippendorff_textbook_example() -> None:
    ones = np.ones((1, 12))
    assert nominal_alpha(value_counts(_codes(TEXTBOOK), 5), ones)[0] == pytest.approx(
        0.743, abs=5e-4
    )
    assert interval_alpha(TEXTBOOK.T, ones)[0] == pytest.approx(0.849, abs=5e-4)
    humans = {
        f"c{k}": {f"u{u}": str(int(v)) for u, v in enumerate(row) if not np.isnan(v)}
        for k, row in enumerate(TEXTBOOK)
    }
    items = [f"u{u}" for u in range(12)]
    figs = label_figures(items, humans, {}, ["1", "2", "3", "4", "5"], resample_weights(12, 50, 1))
    assert figs["alpha_humans"]["value"] == pytest.approx(0.743, abs=5e-4)


def _random_data(rng: np.random.Generator, values: int) -> np.ndarray:
    coders, units = int(rng.integers(2, 6)), int(rng.integers(5, 60))
    data = rng.integers(0, values, (coders, units)).astype(float)
    data[rng.random(data.shape) < rng.uniform(0, 0.5)] = NAN
    return data


def test_fast_alpha_equals_the_krippendorff_package() -> None:
    rng = np.random.default_rng(2024)
    checked = 0
    for _ in range(40):
        data = _random_data(rng, int(rng.integers(2, 9)))
        idx = rng.integers(0, data.shape[1], data.shape[1])  # a resample, duplicates included
        weights = np.bincount(idx, minlength=data.shape[1])[None, :].astype(float)
        for sample, w in ((data, np.ones((1, data.shape[1]))), (data[:, idx], None)):
            try:
                nominal = krippendorff.alpha(
                    reliability_data=sample, level_of_measurement="nominal"
                )
                interval = krippendorff.alpha(
                    reliability_data=sample, level_of_measurement="interval"
                )
            except ValueError:  # one value only: alpha undefined
                continue
            codes = np.where(np.isnan(data.T), -1, np.nan_to_num(data.T)).astype(np.int64)
            ww = w if w is not None else weights
            assert nominal_alpha(value_counts(codes, 9), ww)[0] == pytest.approx(nominal, abs=1e-9)
            assert interval_alpha(data.T, ww)[0] == pytest.approx(interval, abs=1e-9)
            checked += 1
    assert checked > 50


def test_alpha_undefined_is_nan() -> None:
    same = np.zeros((4, 2), dtype=np.int64)  # everybody says category 0: no variation
    assert np.isnan(nominal_alpha(value_counts(same, 3), np.ones((1, 4)))[0])
    single = np.array([[0, -1], [1, -1]])  # no item has two values
    assert np.isnan(nominal_alpha(value_counts(single, 3), np.ones((1, 2)))[0])


# A hand-computed 3x3 table (rows: reference, columns: rater), n = 60:
#   [[20, 5, 0], [3, 15, 2], [0, 5, 10]]; po = 45/60 = 0.75,
#   pe = (25*23 + 20*25 + 15*12) / 60^2 = 1255/3600,
#   kappa = (2700 - 1255) / (3600 - 1255) = 1445/2345;
#   AC1: pi = (48, 45, 27) / 120, pe = sum pi (1 - pi) / (3 - 1) = 0.324375,
#   AC1 = (0.75 - 0.324375) / (1 - 0.324375).
TABLE = [[20, 5, 0], [3, 15, 2], [0, 5, 10]]


def _pairs(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    ref, rat = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            ref += [labels[i]] * count
            rat += [labels[j]] * count
    return ref, rat


def test_kappa_ac1_accuracy_hand_computed() -> None:
    labels = ["a", "b", "c"]
    ref, rat = _pairs(TABLE, labels)
    assert cohen_kappa_score(ref, rat) == pytest.approx(1445 / 2345)
    assert gwet_ac1(ref, rat, labels) == pytest.approx((0.75 - 0.324375) / (1 - 0.324375))
    items = [f"i{k}" for k in range(60)]
    figs = label_figures(
        items,
        {"h": dict(zip(items, ref, strict=True))},
        dict(zip(items, rat, strict=True)),
        labels,
        np.ones((3, 60)),
    )
    assert figs["kappa_vs_majority"]["value"] == pytest.approx(1445 / 2345)
    assert figs["kappa_vs_majority"]["ci"] == pytest.approx([1445 / 2345] * 2)  # all-ones draws
    assert figs["accuracy_vs_majority"]["value"] == pytest.approx(0.75)
    assert figs["ac1_vs_majority"]["value"] == pytest.approx(0.6299722479)
    assert figs["confusion"]["matrix"] == TABLE
    assert figs["per_class"]["c"] == pytest.approx(
        {"precision": 10 / 12, "recall": 10 / 15, "f1": 20 / 27, "support": 15}
    )


def test_ac1_and_kappa_on_the_kappa_paradox_table() -> None:
    # 125 subjects, two raters, yes/no: (yes, yes) 118, (yes, no) 5, (no, yes) 2, (no, no) 0.
    # po = 0.944; kappa: pe = 0.984 * 0.96 + 0.016 * 0.04 = 0.94528 -> -0.0234 (the paradox);
    # AC1: pi_yes = 0.972, pe = 2 * 0.972 * 0.028 = 0.054432 -> AC1 = 0.889568 / 0.945568.
    ref, rat = _pairs([[118, 5], [2, 0]], ["yes", "no"])
    assert gwet_ac1(ref, rat, ["yes", "no"]) == pytest.approx(0.889568 / 0.945568)
    conf = confusion_counts(
        np.array([0] * 123 + [1] * 2), np.array([0] * 118 + [1] * 5 + [0] * 2), 2, np.ones((1, 125))
    )
    assert pair_scores(conf, 2)["kappa"][0] == pytest.approx(-0.00128 / 0.05472)


def test_confusion_scores_equal_sklearn_on_resamples() -> None:
    rng = np.random.default_rng(5)
    ref = rng.integers(0, 5, 80)
    rat = np.where(rng.random(80) < 0.6, ref, rng.integers(0, 5, 80))
    weights = resample_weights(80, 30, 9)
    scores = pair_scores(confusion_counts(ref, rat, 5, weights), 5)
    for b in range(30):
        idx = np.repeat(np.arange(80), weights[b].astype(int))
        assert scores["accuracy"][b] == pytest.approx(accuracy_score(ref[idx], rat[idx]))
        assert scores["kappa"][b] == pytest.approx(cohen_kappa_score(ref[idx], rat[idx]))
        macro = f1_score(ref[idx], rat[idx], average="macro", zero_division=0)
        assert scores["macro_f1"][b] == pytest.approx(macro)


def test_weighted_spearman_equals_scipy_on_resamples() -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(0, 6, 50).astype(float) / 5  # many ties
    y = np.clip(x + rng.normal(0, 0.3, 50), 0, 1).round(1)
    weights = resample_weights(50, 25, 4)
    rho = spearman(x, y, weights)
    for b in range(25):
        idx = np.repeat(np.arange(50), weights[b].astype(int))
        assert rho[b] == pytest.approx(spearmanr(x[idx], y[idx]).statistic)


def test_strict_majority() -> None:
    codes = np.array([[0, 0, 1], [0, 1, -1], [2, -1, -1], [0, 1, 0], [-1, -1, -1], [0, 1, 2]])
    codes4 = np.array([[0, 0, 1, 1]])
    assert majority_codes(codes, 3).tolist() == [0, -1, 2, 0, -2, -1]
    assert majority_codes(codes4, 2).tolist() == [-1]


def test_intensity_figures() -> None:
    rng = np.random.default_rng(3)
    items = [f"i{k}" for k in range(40)]
    a, b = rng.random(40).round(2), rng.random(40).round(2)
    humans = {"a": dict(zip(items, a, strict=True)), "b": dict(zip(items, b, strict=True))}
    model = dict(zip(items, ((a + b) / 2 + rng.normal(0, 0.1, 40)).tolist(), strict=True))
    figs = intensity_figures(items, humans, model, resample_weights(40, 200, 1))
    expected = spearmanr(list(model.values()), (a + b) / 2).statistic
    assert figs["spearman_vs_human_mean"]["value"] == pytest.approx(expected)
    lo, hi = figs["spearman_vs_human_mean"]["ci"]
    assert lo < expected < hi
    both = np.vstack([a, b, list(model.values())])
    with_model = krippendorff.alpha(reliability_data=both, level_of_measurement="interval")
    assert figs["alpha_with_model"]["value"] == pytest.approx(with_model)
    assert figs["items_compared"] == 40


def test_interval_alpha_falls_back_to_the_closed_form_for_many_values(monkeypatch) -> None:
    from emobatch.validation import stats

    rng = np.random.default_rng(12)
    data = rng.random((30, 3))  # continuous: 90 distinct values
    data[rng.random(data.shape) < 0.2] = NAN
    package = krippendorff.alpha(reliability_data=data.T, level_of_measurement="interval")
    assert stats._krippendorff(data, "interval", None) == pytest.approx(package)
    monkeypatch.setattr(stats, "PACKAGE_CELLS", 0)
    monkeypatch.setattr(stats.krippendorff, "alpha", None)  # must not be called
    assert stats._krippendorff(data, "interval", None) == pytest.approx(package, abs=1e-12)
