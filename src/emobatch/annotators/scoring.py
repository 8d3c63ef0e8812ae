"""Turn matched cue hits into an :class:`Annotation`.

Scoring (see README.md):

* each hit adds ``weight * factor * decay**k`` to its row's emotion, where ``factor`` is the
  product of intensifiers/diminishers in scope and ``k`` counts earlier hits of the same cue;
* a negated hit instead adds ``weight * factor * flip`` to the flip target (``modifiers.yaml``)
  and contributes reversed, scaled sentiment;
* raw sums are multiplied by the exclamation factor, squashed with ``1 - exp(-x)``;
* primary = argmax (ties: ``EMOTIONS`` order) if at least ``primary_threshold``, else neutral;
* sentiment score = ``(P - N) / (P + N + smoothing)`` over signed row contributions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from emobatch.annotators.annotation import Annotation, Intensities
from emobatch.annotators.lexicon import Cue, Modifiers
from emobatch.labels import EMOTIONS

MAX_RATIONALE_ITEMS = 8

_NEUTRAL_INTENSITIES = Intensities((0.0,) * len(EMOTIONS))


@dataclass(slots=True)
class Hit:
    """One occurrence of a cue in a text."""

    cue: Cue
    pos: int  # character offset, for ordering
    factor: float = 1.0  # intensifiers / diminishers / run bonus
    negated: bool = False
    before: str = ""  # modifier words before the cue, for the rationale ("너무", "not")
    after: str = ""  # modifier words after it ("않다", "af")


def neutral(rationale: str = "no cues") -> Annotation:
    """The annotation of a text without any cue."""
    return Annotation("neutral", _NEUTRAL_INTENSITIES, "neutral", 0.0, rationale, ())


def _describe(hit: Hit, mods: Modifiers) -> str:
    name = "+".join(part for part in (hit.before, hit.cue.text, hit.after) if part)
    if not hit.negated:
        return f"{name}→{hit.cue.label}"
    moved = []
    for row in hit.cue.rows:
        flip = mods.negation_flip[row.emotion]
        src = EMOTIONS[row.emotion]
        moved.append(f"{src}→{EMOTIONS[flip[0]]}" if flip else src)
    return f"{name}({', '.join(moved)})"


def score(
    hits: list[Hit], mods: Modifiers, *, global_factor: float = 1.0, notes: tuple[str, ...] = ()
) -> Annotation:
    """Aggregate ``hits`` (in text order) into an annotation."""
    if not hits:
        return neutral("; ".join(("no cues", *notes)))
    raw = [0.0] * len(EMOTIONS)
    positive = 0.0
    negative = 0.0
    seen: dict[str, int] = {}
    decay = mods.repeat_decay
    for hit in hits:
        k = seen.get(hit.cue.text, 0)
        seen[hit.cue.text] = k + 1
        mult = hit.factor * (decay**k if k else 1.0)
        for row in hit.cue.rows:
            amount = row.weight * mult
            if hit.negated:
                flip = mods.negation_flip[row.emotion]
                if flip is not None:
                    raw[flip[0]] += amount * flip[1]
                signed = -row.polarity * amount * mods.negation_sentiment_factor
            else:
                raw[row.emotion] += amount
                signed = row.polarity * amount
            if signed > 0:
                positive += signed
            else:
                negative -= signed
    intensities = tuple(round(1.0 - math.exp(-x * global_factor), 3) for x in raw)
    best = 0
    for i in range(1, len(EMOTIONS)):
        if intensities[i] > intensities[best]:
            best = i
    primary = EMOTIONS[best] if intensities[best] >= mods.primary_threshold else "neutral"
    positive *= global_factor
    negative *= global_factor
    s = round((positive - negative) / (positive + negative + mods.sentiment_smoothing), 3) + 0.0
    band = mods.sentiment_neutral_band
    sentiment = "positive" if s >= band else "negative" if s <= -band else "neutral"

    plain: list[str] = []
    negated: list[str] = []
    cue_names: dict[str, None] = {}
    for hit in hits:
        cue_names.setdefault(hit.cue.text, None)
        desc = _describe(hit, mods)
        target = negated if hit.negated else plain
        if desc not in target:
            target.append(desc)
    parts = []
    for title, items in (("cues", plain), ("negated", negated)):
        if items:
            shown = ", ".join(items[:MAX_RATIONALE_ITEMS])
            more = len(items) - MAX_RATIONALE_ITEMS
            parts.append(f"{title}: {shown}" + (f" (+{more} more)" if more > 0 else ""))
    if global_factor != 1.0:
        parts.append(f"emphasis x{global_factor:g}")
    if primary == "neutral":
        parts.append("below threshold")
    parts.extend(notes)
    return Annotation(
        primary_emotion=primary,
        intensities=Intensities(intensities),
        sentiment=sentiment,
        sentiment_score=s,
        rationale="; ".join(parts),
        cues=tuple(cue_names),
    )
