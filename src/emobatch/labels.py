"""The label set of emotion coding: Plutchik's eight emotions (canonical order) and sentiments."""

from __future__ import annotations

EMOTIONS: tuple[str, ...] = (
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
)
PRIMARY_LABELS: tuple[str, ...] = (*EMOTIONS, "neutral")
SENTIMENTS: tuple[str, ...] = ("positive", "negative", "neutral")
