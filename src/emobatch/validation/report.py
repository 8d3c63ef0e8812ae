"""The agreement report: the LLM (and the dictionary baseline) against human coders.

:func:`validation_report` returns a JSON-ready dict, format ``emobatch.validation/1``::

    {"format": "emobatch.validation/1",
     "items": 200,                      # analysis posts with at least one human code
     "coders": ["kim", "lee", "park"],
     "coder_items": {"kim": 200, ...},  # posts each coder coded (any field)
     "unknown_posts": {"count": 2, "post_ids": [...]},  # coded, not in the analysis (unused)
     "items_without_model": {"count": 0, "post_ids": []},  # coded, but no model answer
     "fields": {
       "primary_emotion": {
         "alpha_humans", "alpha_with_model", "kappa_vs_majority", "accuracy_vs_majority",
         "macro_f1", "ac1_vs_majority":        # each {"value", "ci": [lo, hi], "valid_draws"}
         "per_class": {label: {"precision", "recall", "f1", "support"}},
         "confusion": {"labels", "rows": "human majority", "columns": "model", "matrix"},
         "items_coded", "items_compared", "no_majority_items", "no_model_label_items",
         "alt_test": {...} | null},        # see emobatch.validation.alttest; >= 3 coders only
       "sentiment": {... the same ...},
       "intensities": {emotion: {"alpha_humans", "alpha_with_model",
                                 "spearman_vs_human_mean", "items_coded", "items_compared"}}},
     "baseline": {"fields": {... the same, for the dictionary baseline ...}} | null,
     "bootstrap": {"draws": 2000, "seed": 7, "level": 0.95, "method": "..."}}

A field nobody coded is left out of ``fields`` (intensities: emotions nobody rated). Values
that are undefined (too few items, no variation) are ``null``. Alpha "with model" treats the
rater (the LLM, or the baseline in ``baseline``) as one more coder. Every interval is a 95 %
percentile bootstrap over items with the given seed and draws, the same draws for all figures.
"""

from __future__ import annotations

from typing import Any

from emobatch.codebook import Codebook
from emobatch.validation.agreement import FloatArray
from emobatch.validation.alttest import alt_test
from emobatch.validation.bootstrap import resample_weights
from emobatch.validation.common import LABEL_FIELDS
from emobatch.validation.human_codes import HumanCodes
from emobatch.validation.stats import intensity_figures, label_figures

__all__ = ["FORMAT", "validation_report"]

FORMAT = "emobatch.validation/1"
Labels = dict[str, dict[str, Any]]


def _fields(
    human: HumanCodes,
    rater: Labels,
    codebook: Codebook,
    weights: FloatArray,
    level: float,
    alt: dict[str, Any] | None,
) -> dict[str, Any]:
    items = list(human.posts)
    out: dict[str, Any] = {}
    for name in LABEL_FIELDS:
        humans = {c: v for c, v in human.labels.get(name, {}).items() if v}
        if not humans:
            continue
        cats = codebook.labels if name == "primary_emotion" else codebook.sentiments
        labels = {p: (rater[p].get(name) if p in rater else None) for p in items}
        figs = label_figures(items, humans, labels, cats, weights, level)
        figs["alt_test"] = None
        if alt is not None and len(humans) >= 3:
            own = {p: str(v) for p, v in labels.items() if v is not None}
            figs["alt_test"] = alt_test(humans, own, **alt)
        out[name] = figs
    intensities: dict[str, Any] = {}
    for emotion in codebook.emotions:
        by_coder = {c: v for c, v in human.intensities.get(emotion, {}).items() if v}
        if by_coder:
            key = f"intensity_{emotion}"
            values = {p: _float(rater[p].get(key)) if p in rater else None for p in items}
            intensities[emotion] = intensity_figures(items, by_coder, values, weights, level)
    out["intensities"] = intensities
    return out


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def validation_report(
    human: HumanCodes,
    model_labels: Labels,
    baseline_labels: Labels | None,
    codebook: Codebook,
    *,
    seed: int,
    draws: int = 2000,
    epsilon: float = 0.2,
    level: float = 0.95,
    fdr_q: float = 0.05,
    alt_min_items: int = 30,
) -> dict[str, Any]:
    """Agreement of the LLM (and the baseline) with the human codes; see the module docstring."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    items = list(human.posts)
    weights = resample_weights(len(items), draws, seed)
    alt = {"epsilon": epsilon, "q": fdr_q, "min_items": alt_min_items}
    missing = sorted(p for p in items if p not in model_labels)
    coder_items = {
        c: len(
            {p for by in human.labels.values() for p in by.get(c, {})}
            | {p for by in human.intensities.values() for p in by.get(c, {})}
        )
        for c in human.coders
    }
    baseline = None
    if baseline_labels is not None:
        baseline = {"fields": _fields(human, baseline_labels, codebook, weights, level, alt)}
    return {
        "format": FORMAT,
        "items": len(items),
        "coders": list(human.coders),
        "coder_items": coder_items,
        "unknown_posts": {"count": len(human.unknown_posts), "post_ids": list(human.unknown_posts)},
        "items_without_model": {"count": len(missing), "post_ids": missing},
        "fields": _fields(human, model_labels, codebook, weights, level, alt),
        "baseline": baseline,
        "bootstrap": {
            "draws": draws,
            "seed": seed,
            "level": level,
            "method": "percentile bootstrap, items resampled with replacement (PCG64 raw draws)",
        },
    }
