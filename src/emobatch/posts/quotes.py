"""Strict CSV quoting: telling a run-away double quote from a real multi-line text.

A quoted CSV value may hold line breaks, so a quote that is opened by mistake (an unbalanced
``"``) does not fail the parse: it swallows the following lines until the next ``"`` and the
reader merges several records into one. Python's csv, pandas and pyarrow all do this without a
word. The delimited reader parses with ``csv.reader(strict=True)`` and applies these rules while
it streams (each check looks at one record; nothing else is kept):

1. The closing quote must be followed by the delimiter or the end of the record. Text right after
   it (``"Hello" she said``, or a run-away quote that stops at the opening quote of a later
   field: ``j3,"quoted"``) is an error (csv: ``',' expected after '"'``).
2. A quote still open at the end of the file, or open for more than :data:`MAX_FIELD`
   characters, is an error naming the line where it opens.
3. A record whose field count differs from the header's is an error; when one of its values
   spans lines, the message names the lines where that value opens and closes.
4. (``input.strict_quotes``, on by default) A well-formed multi-line value can still be a
   run-away: the quote opens in one record and closes, right before a delimiter, in a later one,
   and the field count comes out right. What tells the two apart: a run-away value contains
   whole lines of the records it swallowed, and those look like records of their own, while the
   lines of a real multi-line text are sentences. A line inside a multi-line value "looks like a
   record" when, parsed alone, it has the header's number of fields and its id-column field has
   the same shape as the record's own id (letters → ``a``, digits → ``0``, other characters
   kept: ``q004`` and ``q005`` are both ``a000``; ids with spaces or over 64 characters never
   match). The last line of the value is judged together with the fields after the value.
   Such a value is an error naming the line where the quote opens, where it closes and the
   first swallowed line. A real text can trip this (a post whose second line is
   ``q005,ok,3``); then set ``input.strict_quotes: false``, which turns off rule 4 only.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from emobatch.errors import InputDataError
from emobatch.posts.common import _error

MAX_FIELD = 1 << 21  # characters in one value (Python's csv allows 131,072 by default)
_SHAPE = re.compile(r"[^\W\d_]|\d")
_QUOTE_HINT = 'a quote inside a quoted value is written ""'


def line_breaks(text: str) -> int:
    """Line ends in ``text`` (``\\r\\n`` counts once)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _shape(value: str) -> str | None:
    if not value or len(value) > 64 or any(c.isspace() for c in value):
        return None
    return _SHAPE.sub(lambda m: "0" if m[0].isdigit() else "a", value)


def _parse_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _looks_like_record(fields: list[str], ncols: int, id_index: int, own: str | None) -> bool:
    return own is not None and len(fields) == ncols and _shape(fields[id_index]) == own


def _swallowed(
    fields: list[str], j: int, id_index: int, delimiter: str
) -> tuple[int, str, int] | None:
    """(lines after the opening line, text, how many) of the record-like lines in value j."""
    own = _shape(fields[id_index])
    if own is None:  # an id no record-like line can match
        return None
    lines = re.split(r"\r\n|\r|\n", fields[j])
    need = len(fields) - 1  # delimiters a line needs to split into the header's fields
    found = [
        (k, line)
        for k, line in enumerate(lines[1:-1], start=1)
        if line.count(delimiter) >= need
        and _looks_like_record(_parse_line(line, delimiter), len(fields), id_index, own)
    ]
    # the last line and the fields after the value make one more candidate (its first j + 1
    # fields come from the last line, so it needs j delimiters)
    if id_index < j and lines[-1].count(delimiter) >= j:
        tail = _parse_line(lines[-1], delimiter) + fields[j + 1 :]
        if _looks_like_record(tail, len(fields), id_index, own):
            found.append((len(lines) - 1, lines[-1]))
    return (found[0][0], found[0][1], len(found)) if found else None


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def check_runaway(
    path: Path,
    names: list[str],
    fields: list[str],
    where: tuple[int, int],
    delimiter: str,
    id_index: int,
) -> None:
    """Rule 4: raise if a multi-line value of this record swallowed lines that look like
    records; ``where`` is (record number, line the record starts on)."""
    record, start = where
    opens = start
    for j, value in enumerate(fields):
        if "\n" not in value and "\r" not in value:
            continue
        breaks = line_breaks(value)
        if j != id_index and (hit := _swallowed(fields, j, id_index, delimiter)):
            first, text, count = hit
            more = f" and {count - 1} more line(s) like it" if count > 1 else ""
            raise _error(
                path,
                f"row {record} (starting on line {start}), column {names[j]!r}: a double quote "
                f'(") opens on line {opens} and closes only on line {opens + breaks}, so line '
                f"{opens + first} ({_short(text)}){more}, which looks like a record of its own, "
                "was read into this value; this is an unbalanced double quote",
                f"close the quote on line {opens} ({_QUOTE_HINT}), or re-export the file as "
                "proper CSV; if that value really is one text spanning those lines, set "
                "input.strict_quotes: false",
            )
        opens += breaks


def multi_line_note(names: list[str], fields: list[str], start: int) -> str:
    """Rule 3: where the first multi-line value of a record opens and closes, or ''."""
    opens = start
    for j, value in enumerate(fields):
        breaks = line_breaks(value)
        if breaks:
            column = repr(names[j]) if j < len(names) else f"{j + 1} (past the header)"
            return (
                f"; its value in column {column} opens on line {opens} and closes on line "
                f"{opens + breaks}"
            )
        opens += breaks
    return ""


def parse_error(
    path: Path, message: str, text: str, names: list[str], record: int, start: int, delim: str
) -> InputDataError:
    """Rules 1 and 2: the error for csv's ``message`` in the record whose raw ``text`` (from
    its first line, as far as it was read) starts on line ``start``."""
    field, opens, closes, after = _scan(text, delim)
    column = repr(names[field]) if field < len(names) else f"{field + 1} (past the header)"
    where = f"row {record} (starting on line {start}), column {column}"
    open_line = start + line_breaks(text[:opens])
    hint = f"close the quote on line {open_line} ({_QUOTE_HINT}), or re-export the file as CSV"
    if closes is not None and after:
        close_line = start + line_breaks(text[:closes])
        if close_line == open_line:
            return _error(
                path,
                f"{where}: text follows the closing double quote on line {close_line} "
                f"({_short(after)}); a quoted value must end at its closing quote",
                'quote the whole value and double the quotes inside it ("""Hi"" she said" '
                'for "Hi" she said), or re-export the file as proper CSV',
            )
        return _error(
            path,
            f'{where}: a double quote (") opens on line {open_line} and closes on line '
            f"{close_line}, where text follows it ({_short(after)}), so lines {open_line + 1}-"
            f"{close_line} were read into this value; this is an unbalanced double quote",
            hint,
        )
    if "field limit" in message:
        return _error(
            path,
            f'{where}: a double quote (") opens on line {open_line} and is still open '
            f"{MAX_FIELD:,} characters later; this is an unbalanced double quote (or a value "
            "far longer than any post)",
            hint,
        )
    if closes is None:
        return _error(
            path,
            f'{where}: a double quote (") opens on line {open_line} and is never closed, so '
            "the rest of the file would be read as one value; this is an unbalanced double quote",
            hint,
        )
    return _error(path, f"{where} is not well-formed CSV ({message})", hint)


def _scan(text: str, delim: str) -> tuple[int, int, int | None, str]:
    """(field, opening offset, closing offset or None, text after the close) of the first quoted
    value in ``text`` (one record) that is never closed or has text after its closing quote."""
    field, i, n, at_start = 0, 0, len(text), True
    last: tuple[int, int, int | None, str] = (0, 0, None, "")
    while i < n:
        c = text[i]
        if at_start and c == '"':
            opens, j = i, text.find('"', i + 1)
            while j >= 0 and text.startswith('""', j):
                j = text.find('"', j + 2)
            if j < 0:
                return field, opens, None, ""
            k = j + 1
            while k < n and text[k] not in (delim, "\n", "\r"):
                k += 1
            if k > j + 1:
                return field, opens, j, text[j + 1 : k]
            last, i, at_start = (field, opens, j, ""), k, False
            continue
        if c in "\r\n":
            break
        at_start = c == delim
        field += c == delim
        i += 1
    return last
