"""Loading of the annotator's data files (``lexicon/*.tsv`` and ``lexicon/modifiers.yaml``).

Everything here is plain data: the language modules compile it into matchers. The files are
package data, read with :mod:`importlib.resources`, parsed once per process and cached.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

from emobatch import yamlio
from emobatch.labels import EMOTIONS

EMOTION_INDEX: dict[str, int] = {e: i for i, e in enumerate(EMOTIONS)}
POSITIVE: frozenset[str] = frozenset({"joy", "trust", "anticipation"})
NEGATIVE: frozenset[str] = frozenset({"fear", "sadness", "disgust", "anger"})

DATA_FILES: tuple[str, ...] = ("ko.tsv", "en.tsv", "emoji.tsv", "modifiers.yaml")

_POLARITY = {"+": 1.0, "-": -1.0, "0": 0.0}


class LexiconError(ValueError):
    """A data file is malformed (unknown emotion, bad weight, duplicate row, ...)."""


@dataclass(frozen=True, slots=True)
class CueRow:
    """One (emotion, weight, polarity) row of a cue."""

    emotion: int  # index into EMOTIONS
    weight: float
    polarity: float  # +1, -1 or 0: sign of this row's sentiment contribution


@dataclass(frozen=True, slots=True)
class Cue:
    """A lexicon entry: the cue string as written in the data file and its rows."""

    text: str
    rows: tuple[CueRow, ...]
    surface: bool = False  # Korean only: substring match instead of morpheme match

    @property
    def label(self) -> str:
        """Emotion names of the rows, joined with ``/`` (for rationales)."""
        return "/".join(EMOTIONS[r.emotion] for r in self.rows)


@dataclass(frozen=True, slots=True)
class Modifiers:
    """Modifier word lists and scoring parameters from ``modifiers.yaml``."""

    primary_threshold: float
    sentiment_smoothing: float
    sentiment_neutral_band: float
    repeat_decay: float
    run_bonus: float
    max_chars: int
    negation_flip: tuple[tuple[int, float] | None, ...]  # per emotion index
    negation_sentiment_factor: float
    exclamation: tuple[tuple[int, float], ...]  # (min run length, factor), descending
    ko_intensifiers: dict[str, float]
    ko_prefix_intensifiers: dict[str, float]
    ko_diminishers: dict[str, float]
    ko_pre_negators: frozenset[str]
    ko_post_negators: frozenset[str]
    en_intensifiers: dict[str, float]
    en_post_intensifiers: dict[str, float]
    en_diminishers: dict[str, float]
    en_negators: frozenset[str]
    en_scope_breakers: frozenset[str]
    en_caps_factor: float
    en_caps_exempt: frozenset[str]
    en_not_cues: frozenset[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All cue tables plus modifiers."""

    ko: dict[str, Cue]  # cue text -> Cue (morpheme and surface cues)
    en: dict[str, Cue]
    symbols: dict[str, Cue]
    modifiers: Modifiers

    def cue_counts(self) -> dict[str, int]:
        """Number of distinct cues per table."""
        return {"ko": len(self.ko), "en": len(self.en), "symbols": len(self.symbols)}


def _read_text(name: str) -> str:
    return (
        resources.files("emobatch.annotators")
        .joinpath("lexicon")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


def parse_cue_table(text: str, source: str, *, with_match: bool = False) -> dict[str, Cue]:
    """Parse a cue TSV (``cue, emotion, weight[, polarity[, match]]``) into cues.

    Lines starting with ``#`` and blank lines are ignored; the first other line is the header.
    """
    rows: dict[str, list[CueRow]] = {}
    surface: dict[str, bool] = {}
    seen: set[tuple[str, int]] = set()
    header_seen = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if raw.split("\t")[0] != "cue":
                raise LexiconError(f"{source}:{lineno}: expected a header starting with 'cue'")
            continue
        fields = raw.split("\t")
        if len(fields) < 3:
            raise LexiconError(f"{source}:{lineno}: expected at least 3 tab-separated fields")
        cue, emotion, weight_s = fields[0], fields[1], fields[2]
        polarity_s = fields[3].strip() if len(fields) > 3 else ""
        match = fields[4].strip() if len(fields) > 4 else ""
        if cue != cue.strip() or not cue:
            raise LexiconError(f"{source}:{lineno}: empty cue or stray whitespace: {cue!r}")
        if emotion not in EMOTION_INDEX:
            raise LexiconError(f"{source}:{lineno}: unknown emotion {emotion!r}")
        try:
            weight = float(weight_s)
        except ValueError as exc:
            raise LexiconError(f"{source}:{lineno}: bad weight {weight_s!r}") from exc
        if not 0.0 < weight <= 2.0:
            raise LexiconError(f"{source}:{lineno}: weight {weight} outside (0, 2]")
        if polarity_s:
            if polarity_s not in _POLARITY:
                raise LexiconError(f"{source}:{lineno}: polarity must be +, - or 0")
            polarity = _POLARITY[polarity_s]
        else:
            polarity = 1.0 if emotion in POSITIVE else -1.0 if emotion in NEGATIVE else 0.0
        if match not in ("", "lemma", "surface") or (match and not with_match):
            raise LexiconError(f"{source}:{lineno}: bad match column {match!r}")
        key = (cue, EMOTION_INDEX[emotion])
        if key in seen:
            raise LexiconError(f"{source}:{lineno}: duplicate row {cue!r} -> {emotion}")
        seen.add(key)
        is_surface = match == "surface"
        if cue in surface and surface[cue] != is_surface:
            raise LexiconError(f"{source}:{lineno}: {cue!r} mixes surface and lemma rows")
        surface[cue] = is_surface
        rows.setdefault(cue, []).append(CueRow(EMOTION_INDEX[emotion], weight, polarity))
    return {c: Cue(c, tuple(r), surface[c]) for c, r in rows.items()}


def _factor_map(data: Any, name: str) -> dict[str, float]:
    if not isinstance(data, dict):
        raise LexiconError(f"modifiers.yaml: {name} must be a mapping")
    return {str(k): float(v) for k, v in data.items()}


def parse_modifiers(text: str) -> Modifiers:
    """Parse ``modifiers.yaml``."""
    data = yamlio.safe_load(text)
    sc, neg, ko, en = data["scoring"], data["negation"], data["ko"], data["en"]
    flip: list[tuple[int, float] | None] = []
    for emotion in EMOTIONS:
        target, factor = neg["flip"][emotion]
        if target is None or float(factor) == 0.0:
            flip.append(None)
        elif target not in EMOTION_INDEX:
            raise LexiconError(f"modifiers.yaml: unknown flip target {target!r}")
        else:
            flip.append((EMOTION_INDEX[target], float(factor)))
    exclamation = tuple(
        sorted(((int(k), float(v)) for k, v in data["exclamation"].items()), reverse=True)
    )
    return Modifiers(
        primary_threshold=float(sc["primary_threshold"]),
        sentiment_smoothing=float(sc["sentiment_smoothing"]),
        sentiment_neutral_band=float(sc["sentiment_neutral_band"]),
        repeat_decay=float(sc["repeat_decay"]),
        run_bonus=float(sc["run_bonus"]),
        max_chars=int(sc["max_chars"]),
        negation_flip=tuple(flip),
        negation_sentiment_factor=float(neg["sentiment_factor"]),
        exclamation=exclamation,
        ko_intensifiers=_factor_map(ko["intensifiers"], "ko.intensifiers"),
        ko_prefix_intensifiers=_factor_map(ko["prefix_intensifiers"], "ko.prefix_intensifiers"),
        ko_diminishers=_factor_map(ko["diminishers"], "ko.diminishers"),
        ko_pre_negators=frozenset(ko["pre_negators"]),
        ko_post_negators=frozenset(ko["post_negators"]),
        en_intensifiers=_factor_map(en["intensifiers"], "en.intensifiers"),
        en_post_intensifiers=_factor_map(en["post_intensifiers"], "en.post_intensifiers"),
        en_diminishers=_factor_map(en["diminishers"], "en.diminishers"),
        en_negators=frozenset(en["negators"]),
        en_scope_breakers=frozenset(en["scope_breakers"]),
        en_caps_factor=float(en["caps_factor"]),
        en_caps_exempt=frozenset(en["caps_exempt"]),
        en_not_cues=frozenset(en.get("not_cues", ())),
    )


_LOCK = threading.Lock()
_LEXICON: Lexicon | None = None


def load_lexicon() -> Lexicon:
    """Parse the packaged data files once per process (thread-safe) and return them."""
    global _LEXICON
    if _LEXICON is None:
        with _LOCK:
            if _LEXICON is None:
                en = parse_cue_table(_read_text("en.tsv"), "en.tsv")
                for cue in en:
                    if cue != cue.lower():
                        raise LexiconError(f"en.tsv: cue {cue!r} must be lower case")
                _LEXICON = Lexicon(
                    ko=parse_cue_table(_read_text("ko.tsv"), "ko.tsv", with_match=True),
                    en=en,
                    symbols=parse_cue_table(_read_text("emoji.tsv"), "emoji.tsv"),
                    modifiers=parse_modifiers(_read_text("modifiers.yaml")),
                )
    return _LEXICON


def lexicon_fingerprint() -> str:
    """SHA-256 over the packaged data files (names and bytes), to pin LEXICON_VERSION."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(_read_text(name).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()
