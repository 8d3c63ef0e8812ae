"""How many posts each mode analyses, and which ones.

- ``code_check`` and ``pilot``: the fixed sizes ``modes.code_check`` / ``modes.pilot``
  (capped at the population), drawn at random with ``sampling.seed``.
- ``sampling``: Cochran's sample size for a proportion with finite-population correction,
  drawn at random with the same seed.
- ``full``: every post.

A plan records ``available`` (the population) and, for the three sampled modes, ``requested``
(the fixed size, or Cochran's size before the cap: at least ``sampling.min_size``). When a mode
asks for more posts than are available it takes them all; :func:`shortfall` says so in a
sentence, which the filter logs as a WARNING and keeps in its report.

The random selection is a simple random sample without replacement (Floyd's algorithm) driven by
the raw 64-bit output of numpy's PCG64 bit generator. NumPy keeps bit-generator streams stable
across releases (NEP 19), while ``Generator.choice`` may change its algorithm; using the raw
stream with our own integer mapping keeps the selection identical across NumPy and Python
versions for the same (population, n, seed).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from emobatch.config import MODES, Settings
from emobatch.errors import ConfigError

__all__ = [
    "SampleSize",
    "cochran",
    "cochran_sample_size",
    "mode_sample_size",
    "sample_plan",
    "select_indices",
    "shortfall",
]

_TWO64 = 1 << 64


@dataclass(frozen=True)
class SampleSize:
    """The pieces of Cochran's computation, for the filter report."""

    population: int
    confidence: float
    margin_of_error: float
    proportion: float
    z: float
    n0: float  # z² p (1 − p) / e², infinite population
    n_fpc: float  # n0 / (1 + (n0 − 1) / N), finite-population correction
    min_size: int
    size: int  # round-half-up(n_fpc), then ≥ min_size, then ≤ N
    formula: str = "n0 = z^2 p (1-p) / e^2; n = n0 / (1 + (n0 - 1) / N); round half up"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def cochran(
    population: int,
    *,
    confidence: float = 0.95,
    margin_of_error: float = 0.05,
    proportion: float = 0.5,
    min_size: int = 384,
) -> SampleSize:
    """Cochran's sample size with finite-population correction, with every piece kept."""
    if population < 0:
        raise ValueError(f"population must be >= 0, got {population}")
    for name, value in (
        ("confidence", confidence),
        ("margin_of_error", margin_of_error),
        ("proportion", proportion),
    ):
        if not 0 < value < 1:
            raise ConfigError(
                f"sampling.{name} must be between 0 and 1 (exclusive), got {value}",
                hint=f"set sampling.{name} in config/config.yaml",
            )
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * proportion * (1 - proportion) / (margin_of_error * margin_of_error)
    n_fpc = n0 / (1 + (n0 - 1) / population) if population > 0 else 0.0
    size = min(max(math.floor(n_fpc + 0.5), min_size), population)
    return SampleSize(
        population=population,
        confidence=confidence,
        margin_of_error=margin_of_error,
        proportion=proportion,
        z=z,
        n0=n0,
        n_fpc=n_fpc,
        min_size=min_size,
        size=size,
    )


def cochran_sample_size(
    population: int,
    *,
    confidence: float = 0.95,
    margin_of_error: float = 0.05,
    proportion: float = 0.5,
    min_size: int = 384,
) -> int:
    """Posts to sample from ``population`` (e.g. 384 for a million at 95 % ± 5 %)."""
    return cochran(
        population,
        confidence=confidence,
        margin_of_error=margin_of_error,
        proportion=proportion,
        min_size=min_size,
    ).size


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ConfigError(
            f"unknown mode {mode!r}; expected one of {', '.join(MODES)}",
            hint="ask for results/<mode>.parquet with a mode listed above",
        )


def sample_plan(settings: Settings, mode: str, population: int) -> dict[str, Any]:
    """How ``mode`` sizes its selection from ``population``, as a JSON-ready dict."""
    _check_mode(mode)
    plan: dict[str, Any] = {
        "mode": mode,
        "population": population,
        "available": population,
        "seed": settings.sampling.seed,
    }
    if mode == "full":
        plan.update(method="all posts", size=population)
    elif mode == "sampling":
        s = settings.sampling
        result = cochran(
            population,
            confidence=s.confidence,
            margin_of_error=s.margin_of_error,
            proportion=s.proportion,
            min_size=s.min_size,
        )
        requested = max(math.floor(result.n_fpc + 0.5), result.min_size)
        plan.update(
            method="cochran", requested=requested, size=result.size, cochran=result.as_dict()
        )
    else:
        try:
            fixed = int(settings.mode_sizes[mode])
        except KeyError as exc:
            raise ConfigError(
                f"modes.{mode} is not set", hint=f"set modes.{mode} in config/config.yaml"
            ) from exc
        plan.update(method="fixed size", requested=fixed, size=min(fixed, population))
    return plan


def shortfall(plan: dict[str, Any]) -> str | None:
    """A sentence when the plan's mode asked for more posts than are available, else None."""
    requested, available = plan.get("requested"), plan["available"]
    if requested is None or requested <= available:
        return None
    key = "sampling.min_size" if plan["method"] == "cochran" else f"modes.{plan['mode']}"
    return (
        f"{key} asks for {requested:,} posts but only {available:,} are left after "
        f"filtering; all {available:,} are selected"
    )


def mode_sample_size(settings: Settings, mode: str, population: int) -> int:
    """Number of posts ``mode`` analyses out of ``population``."""
    return int(sample_plan(settings, mode, population)["size"])


def _below(raw: _RawStream, bound: int) -> int:
    """A uniform integer in [0, bound) from 64-bit draws (rejection, no modulo bias)."""
    limit = _TWO64 - (_TWO64 % bound)
    while True:
        value = raw.next()
        if value < limit:
            return value % bound


class _RawStream:
    """Raw 64-bit outputs of PCG64(seed), fetched in blocks."""

    def __init__(self, seed: int, block: int) -> None:
        self._bits = np.random.PCG64(seed)
        self._block = max(16, block)
        self._buf: list[int] = []
        self._pos = 0

    def next(self) -> int:
        if self._pos == len(self._buf):
            self._buf = self._bits.random_raw(self._block).tolist()
            self._pos = 0
        value = self._buf[self._pos]
        self._pos += 1
        return value


def select_indices(population: int, n: int, seed: int) -> list[int]:
    """Sorted 0-based indices of a seeded simple random sample of ``n`` out of ``population``.

    ``n >= population`` returns every index. The same arguments always give the same indices.
    """
    if population < 0 or n < 0:
        raise ValueError(f"population and n must be >= 0, got {population}, {n}")
    if n >= population:
        return list(range(population))
    raw = _RawStream(seed, n + 16)
    chosen: set[int] = set()
    for j in range(population - n, population):  # Floyd's algorithm
        t = _below(raw, j + 1)
        chosen.add(j if t in chosen else t)
    return sorted(chosen)
