"""Per-class F1 intervals from the validation report's confusion matrix."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from emobatch.report.agreement import _stability_values, class_f1

LABELS = ["joy", "anger", "neutral"]
MATRIX = [[20, 2, 3], [1, 15, 0], [4, 1, 30]]


def test_point_estimates_are_sklearns_and_intervals_bracket_them() -> None:
    truth = np.repeat(np.arange(9) // 3, np.array(MATRIX).ravel())
    pred = np.repeat(np.arange(9) % 3, np.array(MATRIX).ravel())
    expected = f1_score(truth, pred, average=None)
    scores = class_f1({"labels": LABELS, "matrix": MATRIX}, draws=500, seed=7)
    for k, label in enumerate(LABELS):
        point, lo, hi = scores[label]
        assert abs(point - expected[k]) < 1e-12
        assert lo is not None and hi is not None and lo <= point <= hi < 1.0 + 1e-12
    again = class_f1({"labels": LABELS, "matrix": MATRIX}, draws=500, seed=7)
    assert again == scores  # seeded: the same draws give the same intervals


def test_a_label_never_used_has_no_f1() -> None:
    scores = class_f1({"labels": ["a", "b"], "matrix": [[5, 0], [0, 0]]}, draws=50, seed=1)
    assert scores["a"][0] == 1.0 and np.isnan(scores["b"][0]) and scores["b"][1] is None


def test_stability_shapes_read() -> None:
    got = _stability_values({"per_label": {"joy": 0.9, "anger": {"value": 0.8, "ci": [0.7, 0.85]}}})
    assert got == {"joy": (0.9, None, None), "anger": (0.8, 0.7, 0.85)}
    assert _stability_values({"per_label": "nonsense"}) == {}
