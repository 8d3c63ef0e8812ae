"""The nonparametric bootstrap over items: resampling weights and percentile intervals.

A draw resamples the ``n`` items (posts) with replacement; :func:`resample_weights` returns, for
each draw, how many times each item was drawn (a ``(draws, n)`` matrix), so that every statistic
of :mod:`emobatch.validation.agreement` is computed for all draws at once. All figures of a
report share the same draws (they are paired: the LLM and the baseline are compared on the same
resamples). Item indices are the raw 64-bit output of PCG64(seed) modulo ``n``: the stream is
stable across NumPy releases (NEP 19) and the modulo bias is below ``n / 2**64``. The interval is
the percentile interval of the draws where the figure is defined; ``valid_draws`` says how many
those were.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["figure", "percentile_ci", "resample_weights"]

FloatArray = npt.NDArray[np.float64]


def resample_weights(items: int, draws: int, seed: int) -> FloatArray:
    """``(draws, items)``: how often each item is in each of ``draws`` seeded resamples."""
    if items == 0 or draws == 0:
        return np.zeros((draws, items), dtype=np.float64)
    raw = np.random.PCG64(seed).random_raw(draws * items)
    picks = (raw % np.uint64(items)).astype(np.int64).reshape(draws, items)
    flat = picks + (np.arange(draws, dtype=np.int64) * items)[:, None]
    counts = np.bincount(flat.ravel(), minlength=draws * items)
    return counts.reshape(draws, items).astype(np.float64)


def percentile_ci(values: FloatArray, level: float = 0.95) -> tuple[float, float] | None:
    """The percentile interval of the defined (non-nan) ``values``; None if none is."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if np.isfinite(number) else None


def figure(value: Any, draws: FloatArray | None, level: float = 0.95) -> dict[str, Any]:
    """``{"value", "ci": [lo, hi] | None, "valid_draws"}`` (JSON-ready; undefined -> None)."""
    point = _num(value)
    ci = percentile_ci(draws, level) if draws is not None and point is not None else None
    valid = int(np.isfinite(draws).sum()) if draws is not None else 0
    return {"value": point, "ci": list(ci) if ci else None, "valid_draws": valid}
