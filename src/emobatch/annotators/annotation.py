"""The :class:`Annotation` result type and its immutable intensity mapping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from emobatch.annotators.lexicon import EMOTION_INDEX
from emobatch.labels import EMOTIONS


class Intensities(Mapping[str, float]):
    """Read-only mapping of the eight emotions (in ``EMOTIONS`` order) to intensities.

    Immutable, hashable and picklable, so one cached :class:`Annotation` can be shared safely.
    """

    __slots__ = ("_values",)

    def __init__(self, values: tuple[float, ...]) -> None:
        if len(values) != len(EMOTIONS):
            raise ValueError(f"expected {len(EMOTIONS)} intensities, got {len(values)}")
        self._values = tuple(values)

    def __getitem__(self, key: str) -> float:
        return self._values[EMOTION_INDEX[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(EMOTIONS)

    def __len__(self) -> int:
        return len(EMOTIONS)

    def __hash__(self) -> int:
        return hash(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Intensities):
            return self._values == other._values
        if isinstance(other, Mapping):
            return dict(self) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Intensities({dict(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Intensities, (self._values,))


@dataclass(frozen=True, slots=True)
class Annotation:
    """One post's emotion coding by the dictionary annotator."""

    primary_emotion: str  # one of EMOTIONS or "neutral"
    intensities: Mapping[str, float]  # all 8 emotions, each in [0, 1], 3 decimals
    sentiment: str  # "positive" | "negative" | "neutral"
    sentiment_score: float  # [-1, 1], 3 decimals
    rationale: str  # names the matched cues
    cues: tuple[str, ...]  # matched lexicon cues, in order of first appearance

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: primary_emotion, intensities (8 keys), sentiment, score, rationale."""
        return {
            "primary_emotion": self.primary_emotion,
            "intensities": {e: self.intensities[e] for e in EMOTIONS},
            "sentiment": self.sentiment,
            "sentiment_score": self.sentiment_score,
            "rationale": self.rationale,
        }
