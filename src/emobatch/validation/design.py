"""The sampling design of the human coding sheet: stratified by the model's label.

Strata are the model's ``primary_emotion`` values among the ``ok`` rows (``N_h`` posts in stratum
``h``, ``N`` in all). For a sheet of ``n = min(size, N)`` posts:

1. every stratum first gets ``base_h = min(N_h, m)`` posts, with
   ``m = min(min_per_label, n // H)`` for ``H`` strata, so that every label the model used
   appears and rare labels are oversampled (``n < H`` is refused: not every label could appear);
2. the ``R = n - sum(base_h)`` remaining posts are allocated in proportion to what is left of
   each stratum, ``R * (N_h - base_h) / sum(N_h - base_h)``, rounded by largest remainder (ties
   go to the stratum that comes first in codebook order); this never exceeds a stratum's size;
3. within each stratum, ``n_h`` posts are a simple random sample without replacement of the
   stratum's posts sorted by ``post_id`` (:func:`emobatch.sampling.select_indices`, stable
   across NumPy versions), with a per-stratum seed derived from ``(seed, stratum position)``.

So each post's inclusion probability is exactly ``n_h / N_h``: weight a human-coded post by
``N_h / n_h`` to estimate population figures. The sheet's order is a seeded shuffle: posts are
sorted by raw 64-bit PCG64 draws (NEP 19 stable), so the model's label cannot be read from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emobatch.sampling import select_indices

__all__ = ["Allocation", "allocate", "shuffled", "stratified_sample", "sub_seed"]


@dataclass(frozen=True)
class Allocation:
    """Posts drawn from one stratum."""

    stratum: str
    population: int  # N_h
    sample: int  # n_h

    @property
    def inclusion_probability(self) -> float:
        return self.sample / self.population


def sub_seed(seed: int, *path: int) -> int:
    """A 64-bit seed derived from ``seed`` and ``path`` (independent streams per path)."""
    state = np.random.SeedSequence([seed, *path]).generate_state(1, dtype=np.uint64)
    return int(state[0])


def allocate(sizes: dict[str, int], size: int, *, min_per_label: int = 10) -> list[Allocation]:
    """``n_h`` for each stratum (in the order of ``sizes``), following the module's design."""
    total = sum(sizes.values())
    n = min(size, total)
    strata = [h for h, count in sizes.items() if count > 0]
    if n < len(strata):
        raise ValueError(f"a sheet of {n} posts cannot show all {len(strata)} labels")
    if n == total:
        return [Allocation(h, sizes[h], sizes[h]) for h in strata]
    m = min(min_per_label, n // len(strata))
    base = {h: min(sizes[h], m) for h in strata}
    left = {h: sizes[h] - base[h] for h in strata}
    rest = n - sum(base.values())
    room = sum(left.values())
    # exact integer arithmetic: share_h = rest * left_h / room = extra_h + remainder_h / room
    extra = {h: rest * left[h] // room for h in strata}
    by_remainder = sorted(strata, key=lambda h: -(rest * left[h] % room))  # stable: codebook order
    for h in by_remainder[: rest - sum(extra.values())]:
        extra[h] += 1
    return [Allocation(h, sizes[h], base[h] + extra[h]) for h in strata]


def stratified_sample(
    strata: Sequence[str], order: Sequence[str], size: int, seed: int, *, min_per_label: int = 10
) -> tuple[list[int], list[Allocation]]:
    """Row indices drawn from ``strata`` (one stratum per row) and the allocation.

    ``order`` is the codebook's label order; strata not in it come after, sorted. The rows of
    each stratum are taken in their given order (sort them by post_id first).
    """
    members: dict[str, list[int]] = {}
    for row, h in enumerate(strata):
        members.setdefault(h, []).append(row)
    ranked = [h for h in order if h in members] + sorted(set(members) - set(order))
    plan = allocate({h: len(members[h]) for h in ranked}, size, min_per_label=min_per_label)
    chosen: list[int] = []
    for position, alloc in enumerate(plan):
        rows = members[alloc.stratum]
        picks = select_indices(len(rows), alloc.sample, sub_seed(seed, position))
        chosen.extend(rows[i] for i in picks)
    return chosen, plan


def shuffled(items: Sequence[int], seed: int) -> list[int]:
    """``items`` in a seeded random order (sorted by raw PCG64 draws)."""
    keys = np.random.PCG64(sub_seed(seed, 1 << 20)).random_raw(len(items))
    return [items[i] for i in np.argsort(keys, kind="stable")]
