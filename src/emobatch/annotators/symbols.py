"""Language-independent cues: emoji, ASCII emoticons, Korean chat symbols, punctuation.

Cues from ``lexicon/emoji.tsv`` are matched as substrings, longest first, scanning left to
right from every character that can start a cue; a run repeating a cue's last character
("ㅋㅋㅋㅋ", "😭😭😭") is one occurrence, with a bonus when it is at least two characters
longer than the cue. Runs of ``!`` give a global emphasis factor.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from emobatch.annotators.lexicon import Cue, Lexicon
from emobatch.annotators.scoring import Hit


@dataclass(frozen=True, slots=True)
class SymbolMatcher:
    """Compiled symbol cues: candidate start positions and a cue table."""

    starts: re.Pattern[str]  # characters that can start a cue (a superset, kept cheap)
    word_starts: re.Pattern[str] | None  # letters/digits that start a cue, at a word start
    cues: dict[str, Cue]
    max_len: int


_EXCLAIM = re.compile(r"!{2,}")
_LOCK = threading.Lock()
_MATCHER: SymbolMatcher | None = None


def _is_alnum_ascii(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _char_class(chars: list[str]) -> str:
    # Listing hundreds of astral-plane emoji makes re's class test slow; one range over
    # them is fast (candidates that are not cues simply fail the table lookup).
    bmp = "".join(re.escape(ch) for ch in chars if ord(ch) < 0x10000)
    astral = [ch for ch in chars if ord(ch) >= 0x10000]
    if astral:
        bmp += f"{min(astral)}-{max(astral)}"
    return f"[{bmp}]"


def get_matcher(lex: Lexicon) -> SymbolMatcher:
    """Compile the symbol table once per process."""
    global _MATCHER
    if _MATCHER is None:
        with _LOCK:
            if _MATCHER is None:
                first = sorted({c[0] for c in lex.symbols})
                plain = [ch for ch in first if not _is_alnum_ascii(ch)]
                alnum = [ch for ch in first if _is_alnum_ascii(ch)]
                word_starts = (
                    re.compile(r"(?<![A-Za-z0-9])" + _char_class(alnum)) if alnum else None
                )
                max_len = max(len(c) for c in lex.symbols)
                _MATCHER = SymbolMatcher(
                    re.compile(_char_class(plain)), word_starts, dict(lex.symbols), max_len
                )
    return _MATCHER


def match_symbols(text: str, lex: Lexicon) -> list[Hit]:
    """Symbol hits in ``text``, in order of appearance (longest cue first at a position).

    ASCII emoticons that start/end with a letter or digit must not touch other letters or
    digits ("xD" but not "boxDrop", ":o" but not "re:open").
    """
    m = get_matcher(lex)
    cues = m.cues
    hits: list[Hit] = []
    n = len(text)
    covered = 0
    bonus = lex.modifiers.run_bonus
    positions = [found.start() for found in m.starts.finditer(text)]
    if m.word_starts is not None:
        extra = [found.start() for found in m.word_starts.finditer(text)]
        if extra:
            positions = sorted(positions + extra)
    for i in positions:
        if i < covered:
            continue
        for length in range(min(m.max_len, n - i), 0, -1):
            cue = cues.get(text[i : i + length])
            if cue is None:
                continue
            last = text[i + length - 1]
            j = i + length
            while j < n and text[j] == last:
                j += 1
            if _is_alnum_ascii(text[i]) and i > 0 and _is_alnum_ascii(text[i - 1]):
                continue
            if _is_alnum_ascii(last) and j < n and _is_alnum_ascii(text[j]):
                continue
            hits.append(Hit(cue, i, bonus if j - i - length >= 2 else 1.0))
            covered = j
            break
    return hits


def exclamation_factor(text: str, lex: Lexicon) -> float:
    """Global emphasis from the longest run of ``!`` (1.0 when there is none)."""
    if "!!" not in text:
        return 1.0
    longest = max(len(m) for m in _EXCLAIM.findall(text))
    for min_len, factor in lex.modifiers.exclamation:
        if longest >= min_len:
            return factor
    return 1.0
