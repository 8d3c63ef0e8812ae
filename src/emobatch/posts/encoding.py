"""Text encodings of CSV, TSV and JSONL posts files: detection, checks, undecodable bytes.

``input.encoding`` is ``auto`` (the default) or a codec name Python knows (``utf-8``,
``cp949``, ``euc-kr``, ``latin-1``, ...). :func:`resolve_encoding` turns it into the codec the
readers decode with:

- ``auto`` for CSV/TSV: a UTF-8 byte-order mark gives ``utf-8-sig``. Otherwise the whole file is
  trial-decoded as strict UTF-8 (in 1 MB pieces cut at line ends; nothing is kept in memory): if
  every byte decodes, ``utf-8``. If not, and everything before the first bad byte is ASCII, the
  file is trial-decoded as strict CP949 (what Korean Excel writes by default; a superset of
  EUC-KR): if every byte decodes, ``cp949``. A file whose text before the first bad byte holds
  valid non-ASCII UTF-8 is never re-read as CP949: it mixes encodings (rows pasted from another
  file), and CP949 would turn its UTF-8 rows into mojibake. When neither codec decodes the file,
  the result carries the first byte UTF-8 cannot decode (:class:`BadBytes`) and the reader
  raises, naming the row, column, line and byte offset.
- ``auto`` for JSONL: UTF-8 (JSON text is UTF-8 by RFC 8259); set the encoding to read others.
- an explicit codec is used as given (``utf-8`` skips a byte-order mark). It must be
  ASCII-compatible, since lines are split on ``\\n`` bytes: UTF-16 and UTF-32 are refused.

Why a strict trial decode and not a detector (charset-normalizer, chardet): detectors guess
from byte statistics and misjudge short Korean texts (``tests/data/bad_inputs/invalid_utf8.csv``
comes out as Cyrillic), while a strict decode either accepts every byte or names the first one
it cannot decode. A CP949 lead byte is never valid UTF-8 where a Hangul syllable starts, so a
genuine CP949 file fails UTF-8 at its first Korean byte.

Line numbers are those a text editor shows: ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line
(the same lines Python's csv module counts). Byte offsets are 0-based from the start of the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from emobatch.errors import InputDataError
from emobatch.posts.common import _ICONV, _error

_PIECE = 1 << 20
_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class BadBytes:
    """The first bytes of a file that ``codec`` cannot decode."""

    codec: str
    offset: int  # 0-based byte offset in the file
    line: int  # 1-based line number
    data: bytes  # the undecodable bytes (at most 4)
    reason: str


@dataclass(frozen=True)
class Resolved:
    """The codec to read a file with, and why it is not readable when ``problem`` is set."""

    codec: str
    problem: BadBytes | None = None
    note: str = ""  # what else was tried, for the message


def label(codec: str) -> str:
    """A codec's name in messages: ``UTF-8``, ``CP949``, ..."""
    return {"utf-8-sig": "UTF-8", "euc_kr": "EUC-KR"}.get(codec, codec.upper())


def check_codec(path: Path, name: str) -> str:
    """Python's name of the codec ``name`` (``euc-kr`` → ``euc_kr``); raise if unusable."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise _error(
            path,
            f"unknown encoding {name!r} (input.encoding)",
            "set input.encoding to auto (detects UTF-8 and CP949), utf-8, cp949, euc-kr or "
            "another codec name Python knows",
        ) from None
    if b'\n,;\t|"'.decode(codec, "replace") != '\n,;\t|"':
        raise _error(
            path,
            f"input.encoding {name!r} is not ASCII-compatible (UTF-16 and UTF-32 cannot be "
            "read line by line)",
            f"convert the file to UTF-8 (e.g. `iconv -f {name} -t utf-8`) and set "
            "input.encoding to auto",
        )
    return codec


def resolve_encoding(path: Path, requested: str, kind: str) -> Resolved:
    """The codec for ``path`` (see the module docstring); ``kind`` is the file format."""
    with open(path, "rb") as fh:
        has_bom = fh.read(len(_BOM)) == _BOM
    if requested != "auto":
        codec = check_codec(path, requested)
        return Resolved("utf-8-sig" if codec == "utf-8" and has_bom else codec)
    if has_bom:
        return Resolved("utf-8-sig")
    if kind == "jsonl":
        return Resolved("utf-8")
    bad, ascii_before = _trial(path, "utf-8")
    if bad is None:
        return Resolved("utf-8")
    if not ascii_before:
        note = "; the text before it is valid UTF-8, so the file mixes encodings"
        return Resolved("utf-8", bad, note)
    bad_cp949, _ = _trial(path, "cp949")
    if bad_cp949 is None:
        return Resolved("cp949")
    return Resolved("utf-8", bad, f", and the file is not CP949 either (line {bad_cp949.line})")


def first_bad_bytes(path: Path, codec: str) -> BadBytes | None:
    """The first bytes of ``path`` that ``codec`` cannot decode, or None."""
    return _trial(path, codec)[0]


def _pieces(path: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of ~1 MB pieces that end at a line feed (or the end of the file)."""
    offset = 0
    with open(path, "rb") as fh:
        while piece := fh.read(_PIECE):
            piece += fh.readline()
            yield offset, piece
            offset += len(piece)


def _trial(path: Path, codec: str) -> tuple[BadBytes | None, bool]:
    """(first undecodable bytes or None, whether every byte before them is ASCII)."""
    ascii_so_far = True
    base = "utf-8" if codec == "utf-8-sig" else codec
    for offset, piece in _pieces(path):
        start = len(_BOM) if offset == 0 and codec == "utf-8-sig" and piece[:3] == _BOM else 0
        try:
            piece[start:].decode(base)
        except UnicodeDecodeError as exc:
            at = start + exc.start
            ascii_so_far = ascii_so_far and piece[:at].isascii()
            data = piece[at : max(exc.end, at + 1)][:4]
            return BadBytes(codec, offset + at, _line_of(path, offset + at), data, exc.reason), (
                ascii_so_far
            )
        ascii_so_far = ascii_so_far and piece.isascii()
    return None, ascii_so_far


def _line_of(path: Path, offset: int) -> int:
    """1-based line of a byte offset (``\\n``, ``\\r\\n`` and a lone ``\\r`` end lines)."""
    ends, done, last = 0, 0, b""
    with open(path, "rb") as fh:
        while done < offset and (block := fh.read(min(_PIECE, offset - done))):
            ends += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
            if last == b"\r" and block[:1] == b"\n":
                ends -= 1  # a \r\n split across two blocks
            last, done = block[-1:], done + len(block)
    return ends + 1


def undecodable(path: Path, where: str, resolved: Resolved, requested: str) -> InputDataError:
    """The error for ``resolved.problem``; ``where`` names it (``row 3, column 'text'``)."""
    bad = resolved.problem
    assert bad is not None
    name = label(bad.codec)
    iconv = _ICONV.format(path=path, stem=path.with_suffix(""), suffix=path.suffix)
    if bad.codec in ("utf-8", "utf-8-sig"):
        hint = (
            "save the file as UTF-8 (Excel: 'CSV UTF-8'); a CP949 (EUC-KR) file, as Korean Excel "
            f"writes, converts with `{iconv}` (then set input.path to the converted file)"
        )
        if requested != "auto" and first_bad_bytes(path, "cp949") is None:
            hint = f"the file decodes as CP949: set input.encoding to cp949; or {hint}"
        elif requested == "auto" and "mixes" in resolved.note:
            hint = f"fix that row, or re-export the whole file in one encoding; {hint}"
    else:
        hint = (
            f"set input.encoding to the file's encoding (auto detects UTF-8 and CP949), or "
            f"re-save the file as UTF-8 (e.g. `iconv -f {bad.codec} -t utf-8`)"
        )
    at = f"line {bad.line}, " if not where.startswith(f"line {bad.line}") else ""
    return _error(
        path,
        f"{where} is not valid {name} ({at}byte offset {bad.offset}: {bad.data!r}, "
        f"{bad.reason}){resolved.note}",
        hint,
    )
