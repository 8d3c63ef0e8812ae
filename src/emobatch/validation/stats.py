"""Agreement figures of one field: humans among themselves and a rater (LLM or baseline) vs them.

Point estimates come from the reference implementations: the ``krippendorff`` package (alpha;
for interval data with very many distinct values, where the package would need gigabytes, the
tested-equal closed form of :mod:`emobatch.validation.agreement`),
scikit-learn (Cohen's kappa, accuracy, macro-F1, per-class precision/recall/F1, the confusion
matrix) and scipy (Spearman's rho); Gwet's AC1 is computed here (:func:`gwet_ac1`). Bootstrap
intervals use the vectorised formulas of :mod:`emobatch.validation.agreement` on the draws of
:mod:`emobatch.validation.bootstrap`.

The *human majority* of an item is the label more than half of the humans who coded the item
gave (with one coder, that coder's label; with two, their common label). Items without such a
label are left out of the rater-vs-majority figures and counted in ``no_majority_items``. In the
confusion matrix rows are the human majority, columns the rater, labels in codebook order.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import krippendorff
import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from emobatch.validation.agreement import (
    FloatArray,
    IntArray,
    confusion_counts,
    interval_alpha,
    nominal_alpha,
    pair_scores,
    spearman,
    value_counts,
)
from emobatch.validation.bootstrap import figure

__all__ = ["gwet_ac1", "intensity_figures", "label_figures", "majority_codes"]

PACKAGE_CELLS = 20_000_000  # ~160 MB of float64 in krippendorff's coincidence computation


def gwet_ac1(a: Sequence[str], b: Sequence[str], categories: Sequence[str]) -> float:
    """Gwet's AC1 of two raters' labels over a scale of ``categories`` (Gwet 2008)."""
    index = {c: i for i, c in enumerate(categories)}
    ia = np.array([index[x] for x in a], dtype=np.int64)
    ib = np.array([index[x] for x in b], dtype=np.int64)
    conf = confusion_counts(ia, ib, len(categories), np.ones((1, ia.size)))
    return float(pair_scores(conf, len(categories))["ac1"][0])


def _krippendorff(
    data: FloatArray, level: Literal["nominal", "interval"], domain: list[int] | None
) -> float | None:
    """Alpha of ``(items, coders)`` data (nan = missing); None where undefined.

    The ``krippendorff`` package computes it, unless its ``items x values x values`` work array
    would exceed :data:`PACKAGE_CELLS` (continuous intensities with many distinct values): then
    the closed form of :func:`~emobatch.validation.agreement.interval_alpha` (tested equal to
    the package) is used.
    """
    if data.shape[1] < 2 or not ((~np.isnan(data)).sum(axis=1) >= 2).any():
        return None
    distinct = len(domain) if domain is not None else np.unique(data[~np.isnan(data)]).size
    if level == "interval" and data.shape[0] * distinct * distinct > PACKAGE_CELLS:
        value = float(interval_alpha(data, np.ones((1, data.shape[0])))[0])
        return value if np.isfinite(value) else None
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = krippendorff.alpha(
                reliability_data=data.T, level_of_measurement=level, value_domain=domain
            )
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if np.isfinite(value) else None


def majority_codes(codes: IntArray, categories: int) -> IntArray:
    """Per item the strict-majority code, -1 if there is none, -2 if nobody coded the item."""
    counts = value_counts(codes, categories)
    coded = counts.sum(axis=1)
    top = counts.argmax(axis=1)
    strict = counts.max(axis=1) * 2 > coded
    return np.where(coded == 0, -2, np.where(strict, top, -1)).astype(np.int64)


def _codes(
    items: Sequence[str], by_coder: dict[str, dict[str, str]], index: dict[str, int]
) -> IntArray:
    out = np.full((len(items), len(by_coder)), -1, dtype=np.int64)
    for k, codes in enumerate(by_coder.values()):
        for u, item in enumerate(items):
            label = codes.get(item)
            out[u, k] = index.get(label, -1) if label is not None else -1
    return out


def label_figures(
    items: Sequence[str],
    humans: dict[str, dict[str, str]],
    rater: dict[str, str | None],
    categories: Sequence[str],
    weights: FloatArray,
    level: float = 0.95,
) -> dict[str, Any]:
    """Headline figures (with CIs), per-class scores and the confusion matrix of one field."""
    cats = list(categories)
    index = {c: i for i, c in enumerate(cats)}
    q = len(cats)
    human = _codes(items, humans, index)
    own = _codes(items, {"rater": {i: v for i, v in rater.items() if v is not None}}, index)
    both = np.concatenate([human, own], axis=1)
    domain = list(range(q))

    def alpha(codes: IntArray) -> dict[str, Any]:
        data = np.where(codes >= 0, codes, np.nan).astype(np.float64)
        draws = nominal_alpha(value_counts(codes, q), weights)
        return figure(_krippendorff(data, "nominal", domain), draws, level)

    maj, r = majority_codes(human, q), own[:, 0]
    pairs = (maj >= 0) & (r >= 0)
    truth, pred = [cats[c] for c in maj[pairs]], [cats[c] for c in r[pairs]]
    draws = pair_scores(confusion_counts(maj[pairs], r[pairs], q, weights[:, pairs]), q)
    full = pair_scores(confusion_counts(maj[pairs], r[pairs], q, np.ones((1, len(truth)))), q)
    point: dict[str, float | None] = dict.fromkeys(("kappa", "accuracy", "macro_f1", "ac1"))
    per_class: dict[str, dict[str, float | int]] = {}
    matrix = np.zeros((q, q), dtype=np.int64)
    if truth:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            point["kappa"] = float(cohen_kappa_score(truth, pred, labels=cats))
            point["accuracy"] = float(accuracy_score(truth, pred))
            point["macro_f1"] = float(f1_score(truth, pred, average="macro", zero_division=0))
            prec, rec, f1, support = precision_recall_fscore_support(
                truth, pred, labels=cats, zero_division=0
            )
        point["ac1"] = float(full["ac1"][0])
        matrix = confusion_matrix(truth, pred, labels=cats)
        for k, c in enumerate(cats):
            per_class[c] = {
                "precision": float(prec[k]),
                "recall": float(rec[k]),
                "f1": float(f1[k]),
                "support": int(support[k]),
            }
    return {
        "alpha_humans": alpha(human),
        "alpha_with_model": alpha(both),
        "kappa_vs_majority": figure(point["kappa"], draws["kappa"], level),
        "accuracy_vs_majority": figure(point["accuracy"], draws["accuracy"], level),
        "macro_f1": figure(point["macro_f1"], draws["macro_f1"], level),
        "ac1_vs_majority": figure(point["ac1"], draws["ac1"], level),
        "per_class": per_class,
        "confusion": {
            "labels": cats,
            "rows": "human majority",
            "columns": "model",
            "matrix": matrix.tolist(),
        },
        "items_coded": int((maj != -2).sum()),
        "items_compared": int(pairs.sum()),
        "no_majority_items": int((maj == -1).sum()),
        "no_model_label_items": int(((maj >= 0) & (r < 0)).sum()),
    }


def intensity_figures(
    items: Sequence[str],
    humans: dict[str, dict[str, float]],
    rater: dict[str, float | None],
    weights: FloatArray,
    level: float = 0.95,
) -> dict[str, Any]:
    """Interval alpha (humans; humans + rater) and Spearman's rho of rater vs the human mean."""
    human = np.full((len(items), len(humans)), np.nan)
    for k, codes in enumerate(humans.values()):
        human[:, k] = [codes.get(i, np.nan) for i in items]
    own = np.array([np.nan if rater.get(i) is None else rater[i] for i in items], dtype=float)
    both = np.concatenate([human, own[:, None]], axis=1)
    coded = (~np.isnan(human)).any(axis=1)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = np.where(coded, np.nanmean(np.where(coded[:, None], human, 0.0), axis=1), np.nan)
        pairs = coded & ~np.isnan(own)
        x, y = own[pairs], mean[pairs]
        rho = spearmanr(x, y).statistic if pairs.sum() >= 3 else None
    return {
        "alpha_humans": figure(
            _krippendorff(human, "interval", None), interval_alpha(human, weights), level
        ),
        "alpha_with_model": figure(
            _krippendorff(both, "interval", None), interval_alpha(both, weights), level
        ),
        "spearman_vs_human_mean": figure(rho, spearman(x, y, weights[:, pairs]), level),
        "items_coded": int(coded.sum()),
        "items_compared": int(pairs.sum()),
    }
