"""The sampling design: allocation, exact inclusion probabilities, seeded selection and order."""

from __future__ import annotations

import numpy as np
import pytest

from emobatch.validation.design import allocate, shuffled, stratified_sample


def test_allocation_hand_computed() -> None:
    # n=100, 3 non-empty strata, m = min(10, 100 // 3) = 10; base a10 b10 c3 (23), rest 77 over
    # left a990 b40 (room 1030): a 77*990/1030 = 74.01 -> 74, b 2.99 -> 2 + the leftover unit.
    plan = allocate({"a": 1000, "b": 50, "c": 3, "d": 0}, 100, min_per_label=10)
    assert [(a.stratum, a.population, a.sample) for a in plan] == [
        ("a", 1000, 84),
        ("b", 50, 13),
        ("c", 3, 3),
    ]
    assert plan[1].inclusion_probability == pytest.approx(13 / 50)


def test_allocation_invariants_over_many_shapes() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        sizes = {f"s{k}": int(v) for k, v in enumerate(rng.integers(1, 400, rng.integers(1, 9)))}
        size = int(rng.integers(len(sizes), sum(sizes.values()) + 20))
        plan = allocate(sizes, size, min_per_label=int(rng.integers(1, 30)))
        assert sum(a.sample for a in plan) == min(size, sum(sizes.values()))
        assert all(1 <= a.sample <= a.population for a in plan)
        assert [a.stratum for a in plan] == list(sizes)


def test_census_and_too_small() -> None:
    plan = allocate({"a": 5, "b": 2}, 50)
    assert [a.sample for a in plan] == [5, 2]
    with pytest.raises(ValueError, match="cannot show all 3 labels"):
        allocate({"a": 5, "b": 2, "c": 1}, 2)


def test_min_per_label_oversamples_rare_strata() -> None:
    plan = {a.stratum: a for a in allocate({"big": 10_000, "rare": 12}, 100, min_per_label=10)}
    assert plan["rare"].sample == 10  # proportional allocation alone would give 0
    assert plan["big"].sample == 90


def test_inclusion_probability_is_exact_monte_carlo() -> None:
    strata = ["joy"] * 120 + ["fear"] * 7 + ["anger"] * 40
    order = ("joy", "fear", "anger")
    _, plan = stratified_sample(strata, order, 30, 0, min_per_label=5)
    prob = {a.stratum: a.inclusion_probability for a in plan}
    runs = 600
    hits = np.zeros(len(strata))
    for seed in range(runs):
        picked, _ = stratified_sample(strata, order, 30, seed, min_per_label=5)
        hits[picked] += 1
    for h, p in prob.items():
        rows = [i for i, s in enumerate(strata) if s == h]
        observed = hits[rows].sum() / (runs * len(rows))
        sd = np.sqrt(p * (1 - p) / (runs * len(rows)))
        assert abs(observed - p) < 5 * sd + 1e-9, (h, observed, p)


def test_selection_is_seeded() -> None:
    strata = [("joy", "fear", "anger")[i % 3] for i in range(300)]
    a, _ = stratified_sample(strata, ("joy", "fear", "anger"), 40, 7)
    b, _ = stratified_sample(strata, ("joy", "fear", "anger"), 40, 7)
    c, _ = stratified_sample(strata, ("joy", "fear", "anger"), 40, 8)
    assert a == b
    assert sorted(a) != sorted(c)


def test_strata_outside_the_codebook_come_last() -> None:
    _, plan = stratified_sample(["zzz", "joy", "aaa"], ("joy",), 3, 0)
    assert [a.stratum for a in plan] == ["joy", "aaa", "zzz"]


def test_shuffle_is_a_seeded_permutation() -> None:
    items = list(range(100))
    assert sorted(shuffled(items, 3)) == items
    assert shuffled(items, 3) == shuffled(items, 3)
    assert shuffled(items, 3) != shuffled(items, 4)
    assert shuffled(items, 3) != items
