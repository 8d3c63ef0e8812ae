"""CSV and TSV: streamed record by record with Python's csv module, in batches.

Reading: the file is decoded with the codec :func:`~emobatch.posts.encoding.resolve_encoding`
gives (``input.encoding``) and parsed by ``csv.reader(strict=True)`` with the delimiter
:func:`choose_delimiter` picks; ``batch_rows`` records at a time are handed on, so memory holds
one batch, never the file. Blank lines are skipped. Each record keeps the line it starts on, so
errors name both the record and the line a text editor shows: ``row 4 (starting on line 5)``.

Delimiter (``input.delimiter``): ``auto`` (the default) reads the header line with the format's
own delimiter (``,`` for CSV, tab for TSV), then comma, semicolon, tab and pipe, and takes the
first that yields both the id and the text column; failing that, the first that yields the id
column; failing that, the one that splits the header into the most fields. An explicit
delimiter (``,`` ``;`` ``|`` or a tab, or the names ``comma``, ``semicolon``, ``tab``,
``pipe``) is used as given; when the header then lacks a configured column but splits cleanly
on another delimiter, the error names ``input.delimiter``, not the column keys.

Quoting is strict: see :mod:`emobatch.posts.quotes` for the rules and for how a run-away quote
is told apart from a real multi-line text. Values may be up to
:data:`~emobatch.posts.quotes.MAX_FIELD` characters (this raises ``csv.field_size_limit`` for
the process, never lowers it).

Throughput: about 300,000 short records per second, parsing included. UTF-8 files are read
by :mod:`emobatch.posts.arrow_csv` instead (pyarrow parses, this reader checks alongside and
takes over at the first doubt), about twice as fast, with the same batches and errors.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from emobatch.errors import InputDataError
from emobatch.posts.common import Lines, RowBuffer, _assemble, _check_columns, _error, _no_rows
from emobatch.posts.common import _row_numbers as row_numbers
from emobatch.posts.encoding import Resolved, first_bad_bytes, resolve_encoding, undecodable
from emobatch.posts.quotes import MAX_FIELD, check_runaway, multi_line_note, parse_error

DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
_SURROGATE = re.compile("[\udc80-\udcff]")


def describe_csv(
    path: Path, kind: str, encoding: str, delimiter: str, id_column: str, text_column: str
) -> tuple[str, str]:
    """(codec, delimiter) to read ``path`` with; raises for bytes no codec decodes."""
    _allow_long_values()
    with open(path, "rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            raise _error(
                path,
                f"looks like an Excel workbook (a ZIP file), not {kind.upper()} text",
                "rename it to end in .xlsx, or set input.format: xlsx",
            )
    resolved = resolve_encoding(path, encoding, kind)
    header = _header_line(path, resolved, encoding)
    chosen = choose_delimiter(path, header, kind, delimiter, id_column, text_column)
    if resolved.problem is not None:
        raise _undecodable_at(path, resolved, chosen, encoding)
    return resolved.codec, chosen


def _allow_long_values() -> None:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))


def _header_line(path: Path, resolved: Resolved, requested: str) -> str:
    with open(path, encoding=resolved.codec, errors="surrogateescape", newline="") as fh:
        for line in fh:
            if not line.strip():
                continue
            if _SURROGATE.search(line):
                bad = (
                    resolved
                    if resolved.problem
                    else Resolved(resolved.codec, first_bad_bytes(path, resolved.codec))
                )
                raise undecodable(path, "the header line", bad, requested)
            return line
    raise _error(path, "has no header line (only blank lines)", "check the export")


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
    except csv.Error:
        return []


def choose_delimiter(
    path: Path, header: str, kind: str, setting: str, id_column: str, text_column: str
) -> str:
    """The delimiter for ``header`` under ``input.delimiter`` = ``setting`` (module docstring)."""
    if setting != "auto":
        chosen = DELIMITERS.get(setting, setting)
        if chosen not in DELIMITERS.values():
            raise _error(
                path,
                f"input.delimiter {setting!r} is not supported",
                "set input.delimiter to auto, ',', ';', '|' or a tab (or comma, semicolon, "
                "tab, pipe)",
            )
        return chosen
    own = "\t" if kind == "tsv" else ","
    order = [own, *(d for d in DELIMITERS.values() if d != own)]
    splits = {d: _split(header, d) for d in order}
    for wanted in ({id_column, text_column}, {id_column}):
        for d in order:
            if wanted <= set(splits[d]):
                return d
    most = max(order, key=lambda d: len(splits[d]))
    return most if len(splits[most]) > 1 else own


def _check_csv_columns(
    path: Path, names: list[str], delimiter: str, id_column: str, text_column: str
) -> None:
    """The column checks, with a hint to input.delimiter when another one splits the header."""
    missing = next((c for c in (id_column, text_column) if c not in names), None)
    if missing is not None:
        line = delimiter.join(names)
        for name, other in DELIMITERS.items():
            split = _split(line, other)
            clean = len(split) > 1 and all(s.strip() for s in split)
            if other != delimiter and clean and (missing in split or len(names) == 1):
                raise _error(
                    path,
                    f"has no column {missing!r} (columns found: "
                    f"{', '.join(map(repr, names))}); the header splits on {other!r} ({name}) "
                    f"into {', '.join(map(repr, split))}",
                    f"set input.delimiter to {other!r} (or auto, which picks it from the header)",
                )
    _check_columns(path, names, id_column, text_column)


def _undecodable_at(
    path: Path, resolved: Resolved, delimiter: str, requested: str
) -> InputDataError:
    """The decoding error, naming the row and column that hold the bad bytes."""
    assert resolved.problem is not None
    where = f"line {resolved.problem.line}"
    with open(path, encoding=resolved.codec, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        names: list[str] | None = None
        record = 0
        try:
            for fields in reader:
                if not fields:
                    continue
                if names is None:
                    names = fields
                    continue
                record += 1
                if reader.line_num >= resolved.problem.line:
                    bad = [n for n, v in zip(names, fields, strict=False) if _SURROGATE.search(v)]
                    column = f", column {bad[0]!r}" if bad else ""
                    where = f"row {record}{column}"
                    break
        except csv.Error:
            pass
    return undecodable(path, where, resolved, requested)


def _record_text(path: Path, codec: str, first: int, last: int) -> str:
    """Lines ``first``..``last`` of the file (at most 2 x MAX_FIELD characters)."""
    parts: list[str] = []
    size = 0
    with open(path, encoding=codec, errors="replace", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if number >= first:
                parts.append(line)
                size += len(line)
            if number >= last or size > 2 * MAX_FIELD:
                break
    return "".join(parts)


def _iter_csv(
    path: Path,
    id_column: str,
    text_column: str,
    batch_rows: int,
    *,
    codec: str,
    delimiter: str,
    strict_quotes: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Stream ``path`` (already described by :func:`describe_csv`) as record batches."""
    _allow_long_values()
    names: list[str] = []
    record, prev = 0, 0
    with open(path, encoding=codec, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        try:
            names = next((fields for fields in reader if fields), [])
            _check_csv_columns(path, names, delimiter, id_column, text_column)
            ncols, id_index = len(names), names.index(id_column)
            buffer = RowBuffer(ncols)
            add, lines = buffer.add, buffer.lines
            prev = reader.line_num
            for fields in reader:  # the hot loop: keep it lean
                start, prev = prev + 1, reader.line_num
                if not fields:
                    continue
                record += 1
                if len(fields) != ncols:
                    raise _field_count(path, names, fields, record, start)
                if prev > start and strict_quotes:
                    check_runaway(path, names, fields, (record, start), delimiter, id_index)
                add(fields, start)
                if len(lines) == batch_rows:
                    yield _batch(path, names, buffer, record, id_column, text_column)
                    lines = buffer.lines
        except csv.Error as exc:
            if not names:
                raise _error(
                    path, f"the header line cannot be read as CSV ({exc})", "check the first line"
                ) from None
            text = _record_text(path, codec, prev + 1, reader.line_num)
            raise parse_error(
                path, str(exc), text, names, record + 1, prev + 1, delimiter
            ) from None
        except UnicodeDecodeError:
            resolved = Resolved(codec, first_bad_bytes(path, codec))
            if resolved.problem is None:
                raise
            raise _undecodable_at(path, resolved, delimiter, codec) from None
    if len(buffer):
        yield _batch(path, names, buffer, record, id_column, text_column)
    if record == 0:
        raise _no_rows(path)


def _batch(
    path: Path, names: list[str], buffer: RowBuffer, last: int, id_column: str, text_column: str
) -> pa.RecordBatch:
    columns, lines = buffer.take()
    rows = row_numbers(last - len(lines) + 1, len(lines))
    lines_array = Lines(pa.array(lines, pa.int64()))
    return _assemble(path, names, columns, rows, id_column, text_column, lines_array)


def _field_count(
    path: Path, names: list[str], fields: list[str], record: int, start: int
) -> InputDataError:
    return _error(
        path,
        f"row {record} (starting on line {start}) has {len(fields)} fields where the header "
        f"has {len(names)}{multi_line_note(names, fields, start)}; this is usually an "
        'unbalanced double quote (") in this row or a delimiter inside an unquoted value',
        'fix the quoting of that row (a quote inside a quoted value is written ""), or '
        "re-export the file as proper CSV",
    )
