"""Text normalisation applied to every post before filtering, hashing and sending.

:func:`normalise` is the single definition of "the normalised text" that the analysis key
(:func:`emobatch.identity.analysis_key`) and duplicate-text detection use, so it must stay
deterministic: the same input gives the same output on every run and platform. Changing it
changes analysis keys (posts would be analysed again), so treat it like a persisted format.

Steps, in order:

1. Unicode NFC (composed Hangul syllables; NFKC is *not* applied, full-width forms survive).
2. ``\\r\\n`` and ``\\r`` become ``\\n``; the other line breaks (VT, FF, NEL, U+2028, U+2029)
   also become ``\\n``.
3. Zero-width characters (U+200B, U+200C, U+FEFF, U+2060) are removed. U+200D (zero-width
   joiner) is removed too, *except* between two emoji, where it builds one glyph
   (e.g. a family emoji) and carries meaning.
4. ANSI terminal escape sequences (``ESC [ ... m`` colours, cursor moves) are removed whole;
   other C0/C1 control characters are removed, except ``\\n`` and ``\\t``; a tab becomes a
   space.
5. U+3000 (ideographic space), no-break spaces and the other Unicode spaces become a space.
6. Runs of spaces collapse to one; spaces at the start or end of a line are removed; three or
   more line breaks collapse to two (one blank line); the result is stripped.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["normalise", "normalise_column"]

_ZWJ = "\u200d"

# Characters rewritten or deleted by str.translate (one C-level pass).
_TRANSLATE: dict[int, str | None] = {}
for _cp in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)):  # C0, DEL, C1 controls
    _TRANSLATE[_cp] = None
for _cp in (0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029):  # VT, FF, CR, NEL, LS, PS
    _TRANSLATE[_cp] = "\n"
_TRANSLATE[0x0A] = "\n"
_TRANSLATE[0x09] = " "
for _cp in (0x200B, 0x200C, 0xFEFF, 0x2060):  # zero-width (U+200D is handled by a regex)
    _TRANSLATE[_cp] = None
for _cp in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000):  # Unicode spaces
    _TRANSLATE[_cp] = " "
del _cp

# Any character the translate table changes (other than "\n"), or a ZWJ: the slow path.
_NEEDS_TRANSLATE = re.compile(
    "[" + "".join(re.escape(chr(cp)) for cp in sorted(_TRANSLATE) if cp != 0x0A) + _ZWJ + "]"
)

# Emoji-ish code points a ZWJ may join (pictographs, dingbats, symbols, VS16, skin tones).
_EMOJI = (
    "\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u20e3"
    "\U0001f000-\U0001faff\U0001f3fb-\U0001f3ff\u2640\u2642\u2695\u2696\u2708\u2764"
)
_STRAY_ZWJ = re.compile(f"(?<![{_EMOJI}]){_ZWJ}|{_ZWJ}(?![{_EMOJI}])")
_ANSI_ESCAPE = re.compile("\x1b\\[[0-9;?]*[ -/]*[@-~]|\x9b[0-9;?]*[ -/]*[@-~]")
_MULTI_SPACE = re.compile(" {2,}")
_SPACE_AROUND_NEWLINE = re.compile(" ?\n ?")
_MANY_NEWLINES = re.compile("\n{3,}")


def normalise(text: str | None) -> str:
    """Return the normalised form of ``text`` (``None`` gives ``""``); see the module docstring."""
    if not text:
        return ""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if _NEEDS_TRANSLATE.search(text) is not None:
        if _ZWJ in text:
            text = _STRAY_ZWJ.sub("", text)
        if "\x1b" in text or "\x9b" in text:
            text = _ANSI_ESCAPE.sub("", text)
        text = text.translate(_TRANSLATE)
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    if "\n" in text:
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        if "\n\n\n" in text:
            text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip(" \n")


# Characters that are NFC on their own, never combine with a neighbour (combining class 0, not
# the second part of any canonical decomposition, not a Hangul jamo) and that no step above
# touches: ASCII without controls, Latin-1, punctuation, symbols, CJK, kana, Hangul syllables
# and compatibility jamo, full-width forms, emoji. A text made only of them, with no double
# space and no space at either end, is its own normalised form (tests check every character
# of the class against unicodedata, and texts against normalise).
_UNCHANGED_CHARS = (
    "\x20-\x7e\xa1-\xff\u2010-\u2027\u202a-\u202e\u2030-\u205e\u20a0-\u20c0\u2190-\u2328"
    "\u232b-\u2426\u2440-\u244a\u2460-\u2adb\u2add-\u2b73\u2b76-\u2b95\u2b97-\u2bff"
    "\u3001-\u3029\u3030-\u303f\u3041-\u3096\u309b-\u30ff\u3131-\u318e\u4e00-\u9fff"
    "\uac00-\ud7a3\ufe00-\ufe0f\uff01-\uffbe\uffc2-\uffc7\uffca-\uffcf\uffd2-\uffd7"
    "\uffda-\uffdc\uffe0-\uffe6\uffe8-\uffee\U0001f000-\U0001f02b\U0001f030-\U0001f093"
    "\U0001f0a0-\U0001f0ae\U0001f0b1-\U0001f0bf\U0001f0c1-\U0001f0cf\U0001f0d1-\U0001f0f5"
    "\U0001f100-\U0001f1ad\U0001f1e6-\U0001f202\U0001f210-\U0001f23b\U0001f240-\U0001f248"
    "\U0001f250-\U0001f251\U0001f260-\U0001f265\U0001f300-\U0001f6d7\U0001f6dd-\U0001f6ec"
    "\U0001f6f0-\U0001f6fc\U0001f700-\U0001f773\U0001f780-\U0001f7d8\U0001f7e0-\U0001f7eb"
    "\U0001f7f0\U0001f800-\U0001f80b\U0001f810-\U0001f847\U0001f850-\U0001f859"
    "\U0001f860-\U0001f887\U0001f890-\U0001f8ad\U0001f8b0-\U0001f8b1\U0001f900-\U0001fa53"
    "\U0001fa60-\U0001fa6d\U0001fa70-\U0001fa74\U0001fa78-\U0001fa7c\U0001fa80-\U0001fa86"
    "\U0001fa90-\U0001faac\U0001fab0-\U0001faba\U0001fac0-\U0001fac5\U0001fad0-\U0001fad9"
    "\U0001fae0-\U0001fae7\U0001faf0-\U0001faf6"
)
_MAY_CHANGE = f"[^{_UNCHANGED_CHARS}]|  |^ | $"


def normalise_column(texts: pa.Array) -> pa.Array:
    """:func:`normalise` of every value of a string column (null gives ``""``): the values a
    regex over the column finds unchanged are kept as they are, the others go through
    :func:`normalise` (a million Korean posts: ~0.3 s instead of ~1.5 s)."""
    texts = texts.cast(pa.string())
    changes = pc.match_substring_regex(texts, _MAY_CHANGE).fill_null(False)
    rows = np.flatnonzero(changes.to_numpy(zero_copy_only=False))
    if len(rows):
        fixed = [normalise(t) for t in texts.take(pa.array(rows)).to_pylist()]
        texts = pc.replace_with_mask(texts, changes, pa.array(fixed, pa.string()))
    return texts.fill_null("")
