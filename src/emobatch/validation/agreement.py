"""Agreement statistics as functions of item weights, vectorised over bootstrap draws.

Every function takes ``weights`` of shape ``(draws, items)``: how many times each item is in a
resample (a row of ones is the full sample), and returns one value per draw (``nan`` where the
figure is undefined, e.g. no pairable values or no variation). A resample that holds an item
twice counts it twice, which is what recomputing the statistic on the resampled data does, so
these give the same numbers as the textbook formulas on resampled data (the tests check that
against the ``krippendorff`` package, scikit-learn and scipy).

- Krippendorff's alpha, nominal: from the value counts ``n_uc`` of each item ``u``. With
  ``m_u = sum_c n_uc`` (only items with ``m_u >= 2`` are pairable), the observed coincidences on
  the diagonal are ``sum_u sum_c n_uc (n_uc - 1) / (m_u - 1)``, ``n_c = sum_u n_uc`` and
  ``n = sum_c n_c``: ``alpha = 1 - (n - 1) (n - diagonal) / (n^2 - sum_c n_c^2)``.
- Krippendorff's alpha, interval: with ``S1_u``, ``S2_u`` the sum and the sum of squares of the
  item's values, ``D_u = 2 (m_u S2_u - S1_u^2) / (m_u - 1)``:
  ``alpha = 1 - (n - 1) sum_u D_u / (2 (n S2 - S1^2))``.
- Cohen's kappa, accuracy, Gwet's AC1 and macro-F1 from the confusion counts of (reference,
  rater) pairs. AC1 (Gwet 2008): ``pe = sum_c pi_c (1 - pi_c) / (Q - 1)``, ``pi_c`` the mean of
  the two raters' shares of category ``c`` and ``Q`` the number of categories of the scale.
  Macro-F1 averages ``2 tp / (2 tp + fp + fn)`` over the classes present in either column
  (scikit-learn's default with ``zero_division=0``).
- Spearman's rho: the Pearson correlation of midranks, the ranks of a resample computed from the
  sorted values and the weights (duplicated items are ties, as ``scipy.stats.rankdata`` gives).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "confusion_counts",
    "interval_alpha",
    "nominal_alpha",
    "pair_scores",
    "spearman",
    "value_counts",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
    return np.asarray(out, dtype=np.float64)


def value_counts(codes: IntArray, categories: int) -> FloatArray:
    """``(items, categories)`` counts of an ``(items, coders)`` code matrix (-1 = missing)."""
    counts = np.zeros((codes.shape[0], categories), dtype=np.float64)
    rows, cols = np.nonzero(codes >= 0)
    np.add.at(counts, (rows, codes[rows, cols]), 1.0)
    return counts


def nominal_alpha(counts: FloatArray, weights: FloatArray) -> FloatArray:
    """Nominal Krippendorff's alpha per draw, from :func:`value_counts`."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    c = counts * pairable[:, None]
    diag = _ratio((c * (c - 1)).sum(axis=1), np.where(pairable, m - 1, 0.0))
    diag = np.nan_to_num(diag)
    n_c = weights @ c
    n = n_c.sum(axis=1)
    return 1 - _ratio((n - 1) * (n - weights @ diag), n * n - (n_c * n_c).sum(axis=1))


def interval_alpha(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Interval Krippendorff's alpha per draw; ``values`` is ``(items, coders)``, nan = missing."""
    present = ~np.isnan(values)
    m = present.sum(axis=1).astype(np.float64)
    pairable = m >= 2
    v = np.where(present & pairable[:, None], values, 0.0)
    m = np.where(pairable, m, 0.0)
    s1, s2 = v.sum(axis=1), (v * v).sum(axis=1)
    d_u = np.nan_to_num(_ratio(2 * (m * s2 - s1 * s1), np.where(pairable, m - 1, 0.0)))
    n, t1, t2 = weights @ m, weights @ s1, weights @ s2
    return 1 - _ratio((n - 1) * (weights @ d_u), 2 * (n * t2 - t1 * t1))


def confusion_counts(
    reference: IntArray, rater: IntArray, categories: int, weights: FloatArray
) -> FloatArray:
    """``(draws, categories, categories)`` counts: rows = reference, columns = rater."""
    onehot = np.zeros((reference.size, categories * categories), dtype=np.float64)
    onehot[np.arange(reference.size), reference * categories + rater] = 1.0
    return (weights @ onehot).reshape(-1, categories, categories)


def pair_scores(confusion: FloatArray, categories: int) -> dict[str, FloatArray]:
    """Accuracy, Cohen's kappa, Gwet's AC1 and macro-F1 per draw, from confusion counts."""
    total = confusion.sum(axis=(1, 2))
    tp = np.diagonal(confusion, axis1=1, axis2=2)
    rows, cols = confusion.sum(axis=2), confusion.sum(axis=1)
    po = _ratio(tp.sum(axis=1), total)
    share_r, share_c = rows / np.maximum(total, 1)[:, None], cols / np.maximum(total, 1)[:, None]
    pe = (share_r * share_c).sum(axis=1)
    pi = (share_r + share_c) / 2
    pe_ac1 = (pi * (1 - pi)).sum(axis=1) / max(categories - 1, 1)
    f1_den = rows + cols  # 2 tp + fp + fn
    present = f1_den > 0
    f1 = np.where(present, 2 * tp / np.where(present, f1_den, 1.0), 0.0)
    macro = _ratio(f1.sum(axis=1), present.sum(axis=1).astype(np.float64))
    empty = total == 0
    return {
        "accuracy": po,
        "kappa": np.where(empty, np.nan, _ratio(po - pe, 1 - pe)),
        "ac1": np.where(empty, np.nan, _ratio(po - pe_ac1, 1 - pe_ac1)),
        "macro_f1": macro,
    }


def _midranks(x: FloatArray, weights: FloatArray) -> FloatArray:
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    group = np.empty(x.size, dtype=np.int64)
    group[order] = np.cumsum(np.r_[True, xs[1:] != xs[:-1]]) - 1
    per_group = np.add.reduceat(weights[:, order], starts, axis=1)
    before = np.cumsum(per_group, axis=1) - per_group
    return np.asarray((before + (per_group + 1) / 2)[:, group], dtype=np.float64)


def spearman(x: FloatArray, y: FloatArray, weights: FloatArray) -> FloatArray:
    """Spearman's rho of paired values ``x``, ``y`` (no nan) per draw."""
    if x.size == 0:
        return np.full(weights.shape[0], np.nan)
    rx, ry = _midranks(x, weights), _midranks(y, weights)
    n = weights.sum(axis=1, keepdims=True)
    dx = rx - _ratio((weights * rx).sum(axis=1), n[:, 0])[:, None]
    dy = ry - _ratio((weights * ry).sum(axis=1), n[:, 0])[:, None]
    cov = (weights * dx * dy).sum(axis=1)
    var = (weights * dx * dx).sum(axis=1) * (weights * dy * dy).sum(axis=1)
    return _ratio(cov, np.sqrt(var))
