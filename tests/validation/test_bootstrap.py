"""The bootstrap: seeded and reproducible, sensible coverage, fast enough."""

from __future__ import annotations

import time

import numpy as np
import pytest

from emobatch.validation.agreement import confusion_counts, nominal_alpha, pair_scores, value_counts
from emobatch.validation.bootstrap import figure, percentile_ci, resample_weights


def test_weights_are_seeded_resamples() -> None:
    w = resample_weights(50, 400, 7)
    assert w.shape == (400, 50)
    assert (w.sum(axis=1) == 50).all()
    assert np.array_equal(w, resample_weights(50, 400, 7))
    assert not np.array_equal(w, resample_weights(50, 400, 8))
    assert w.mean() == pytest.approx(1.0)
    assert (w == 0).mean() == pytest.approx((1 - 1 / 50) ** 50, abs=0.01)  # ~36.4 % left out


def test_same_seed_same_ci_different_seed_different_ci() -> None:
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 4, 120)
    rat = np.where(rng.random(120) < 0.7, ref, rng.integers(0, 4, 120))

    def ci(seed: int) -> list[float] | None:
        draws = pair_scores(confusion_counts(ref, rat, 4, resample_weights(120, 2000, seed)), 4)
        return figure(0.7, draws["kappa"])["ci"]

    assert ci(1) == ci(1)
    assert ci(1) != ci(2)


def test_percentile_ci_and_undefined_figures() -> None:
    assert percentile_ci(np.arange(101.0)) == pytest.approx((2.5, 97.5))
    assert percentile_ci(np.array([np.nan, np.nan])) is None
    assert figure(None, np.arange(10.0)) == {"value": None, "ci": None, "valid_draws": 10}
    assert figure(float("nan"), None)["value"] is None


def test_coverage_of_the_accuracy_interval() -> None:
    rng = np.random.default_rng(42)
    truth, n, reps = 0.8, 150, 300
    covered = 0
    for rep in range(reps):
        ref = np.zeros(n, dtype=np.int64)
        rat = (rng.random(n) >= truth).astype(np.int64)  # agrees with probability 0.8
        draws = pair_scores(confusion_counts(ref, rat, 2, resample_weights(n, 500, rep)), 2)
        lo, hi = percentile_ci(draws["accuracy"])
        covered += lo <= truth <= hi
    assert 0.90 <= covered / reps <= 0.99


def test_vectorised_bootstrap_is_fast() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 9, (1000, 4))
    start = time.perf_counter()
    w = resample_weights(1000, 2000, 1)
    alpha = nominal_alpha(value_counts(codes, 9), w)
    scores = pair_scores(confusion_counts(codes[:, 0], codes[:, 1], 9, w), 9)
    elapsed = time.perf_counter() - start
    assert alpha.shape == scores["kappa"].shape == (2000,)
    assert elapsed < 10  # about half a second on a laptop core; generous for a busy CI runner
