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

__all__ = ["normalise"]

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
