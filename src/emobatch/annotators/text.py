"""Text preparation shared by all passes: Unicode normalisation, emoji clean-up, capping."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Emoji variation selectors and skin-tone modifiers carry no emotion; dropping them lets
# "❤️" match "❤" and "👍🏽" match "👍". Zero-width spaces/joiners inside words (but not the
# ZWJ of emoji sequences) are dropped too, so "좋\u200b아" still reads 좋아.
_STRIP = {
    0xFE0E: None,
    0xFE0F: None,
    0x200B: None,
    0x200C: None,
    0x2060: None,
    0xFEFF: None,
    **{cp: None for cp in range(0x1F3FB, 0x1F400)},
}
_HANGUL_SYLLABLE = re.compile(r"[가-힣]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text ready for the language passes."""

    text: str
    truncated: bool
    has_hangul: bool  # contains Hangul syllables -> needs kiwipiepy
    has_latin: bool


def prepare(text: str, max_chars: int) -> Prepared:
    """NFC-normalise, strip emoji modifiers and keep at most ``max_chars`` characters."""
    truncated = False
    if len(text) > max_chars * 2:  # cap before normalising, too: bounded work on any input
        text = text[: max_chars * 2]
        truncated = True
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = text.translate(_STRIP)
    if len(text) > max_chars:
        text = text[:max_chars]
        truncated = True
    has_hangul = not text.isascii() and _HANGUL_SYLLABLE.search(text) is not None
    return Prepared(text, truncated, has_hangul, _LATIN.search(text) is not None)
