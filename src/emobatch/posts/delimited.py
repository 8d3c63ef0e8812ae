"""CSV and TSV: block by block with pyarrow, with errors that name the row."""

from __future__ import annotations

import csv
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from emobatch.errors import InputDataError
from emobatch.posts.common import (
    _CSV_BLOCK,
    _ICONV,
    _assemble,
    _check_columns,
    _error,
    _no_rows,
    _row_numbers,
    _split,
)

# --- CSV / TSV -----------------------------------------------------------------------------


def _decoded_lines(fh: BinaryIO) -> Iterator[str]:
    """Decode lines one at a time, so a bad byte further down does not stop the header."""
    for number, raw in enumerate(fh):
        yield raw.decode("utf-8-sig" if number == 0 else "utf-8")


def _csv_header(path: Path, delimiter: str) -> list[str]:
    try:
        with open(path, "rb") as fh:
            for record in csv.reader(_decoded_lines(fh), delimiter=delimiter):
                if record:
                    return record
    except UnicodeDecodeError as exc:
        raise _error(
            path,
            f"the header line is not valid UTF-8 ({exc.reason} at byte {exc.start})",
            _utf8_hint(path),
        ) from None
    except csv.Error as exc:
        raise _error(
            path,
            f"the header line cannot be read as CSV ({exc})",
            "check the first line of the file",
        ) from None
    raise _error(path, "has no header line (only blank lines)", "check the export")


def _utf8_hint(path: Path) -> str:
    return (
        "save the file as UTF-8; Korean exports are often CP949 (EUC-KR), convert with `"
        + _ICONV.format(path=path, stem=path.with_suffix(""), suffix=path.suffix)
        + "` and set input.path to the converted file"
    )


def _open_csv(
    path: Path, delimiter: str, names: list[str], kind: pa.DataType, invalid: list[Any]
) -> pacsv.CSVStreamingReader:
    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "error"

    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=_CSV_BLOCK),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, kind), strings_can_be_null=False
        ),
    )


def _iter_csv(
    path: Path, delimiter: str, id_column: str, text_column: str, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    names = _csv_header(path, delimiter)
    _check_columns(path, names, id_column, text_column)
    invalid: list[Any] = []
    next_row = 1
    last_value: str | None = None
    try:
        reader = _open_csv(path, delimiter, names, pa.string(), invalid)
        for batch in reader:
            for part in _split(batch, batch_rows):
                cols = [part.column(i) for i in range(part.num_columns)]
                rows = _row_numbers(next_row, part.num_rows)
                yield _assemble(path, part.schema.names, cols, rows, id_column, text_column)
                next_row += part.num_rows
                last_value = cols[-1][-1].as_py() if part.num_rows else last_value
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, delimiter, names, exc, invalid) from None
    if next_row == 1:
        raise _no_rows(path)
    _check_closed_quotes(path, last_value or "", next_row - 1)


def _check_closed_quotes(path: Path, last_value: str, last_row: int) -> None:
    """Raise if the file ends inside a quoted value (pyarrow accepts that silently).

    An unclosed quote swallows the rest of the file into the last value of the last row. An
    unquoted last value never holds a line break, and a closed quoted one makes the file end
    with ``"`` (before the final line break); so a last value with a line break, or a file that
    ends with ``"`` + that value, means the quote was never closed.
    """
    value = last_value.encode("utf-8")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - len(value) - 3))
        tail = fh.read()
    if tail.rstrip(b"\r\n").endswith(b'"'):
        return
    if "\n" not in last_value and "\r" not in last_value and not tail.endswith(b'"' + value):
        return
    line = _line_of_offset(path, size - len(value) - 1) if tail.endswith(b'"' + value) else None
    where = f"row {last_row}" + (f" (starting on line {line})" if line else "")
    raise _error(
        path,
        f'{where} opens a double quote (") that is never closed, so the rest '
        "of the file would be read as one value; this is an unbalanced double quote",
        'close the quote in that row (a quote inside a quoted value is written ""), '
        "or re-export the file as proper CSV",
    )


def _line_of_offset(path: Path, offset: int) -> int:
    """1-based line number of a byte offset (counts line feeds before it)."""
    lines, done = 1, 0
    with open(path, "rb") as fh:
        while done < offset and (block := fh.read(min(1 << 20, offset - done))):
            lines += block.count(b"\n")
            done += len(block)
    return lines


def _csv_error(
    path: Path, delimiter: str, names: list[str], exc: Exception, invalid: list[Any]
) -> InputDataError:
    message = str(exc)
    if "UTF8" in message or "UTF-8" in message:
        found = _locate_invalid_utf8(path, delimiter, names)
        where = f"row {found[0]}, column {found[1]!r} (bytes {found[2]!r})" if found else "a value"
        return _error(path, f"{where} is not valid UTF-8 text", _utf8_hint(path))
    located = _locate_bad_record(path, delimiter, len(names))
    if located is None and "straddl" in message:
        return _error(
            path,
            f"a record is larger than {_CSV_BLOCK >> 20} MB",
            "check the file for a runaway quoted field (an unbalanced double quote) "
            "or a post that is not a post (posts this long are not supported)",
        )
    if located is not None:
        record, line, fields = located
        return _error(
            path,
            f"row {record} (starting on line {line}) has {fields} fields where the header "
            f'has {len(names)}; this is usually an unbalanced double quote (") in this row or '
            "a delimiter inside an unquoted value",
            'fix the quoting of that row (a quote inside a quoted value is written ""), or '
            "re-export the file as proper CSV",
        )
    offset = _byte_offset(path, invalid[0].text if invalid else "")
    at = f" near byte offset {offset}" if offset is not None else ""
    return _error(
        path,
        f"is not well-formed CSV{at}: {message}",
        "fix the quoting near that position, or re-export the file as proper CSV",
    )


def _locate_invalid_utf8(
    path: Path, delimiter: str, names: list[str]
) -> tuple[int, str, bytes] | None:
    """(row, column, bad bytes) of the first value that is not UTF-8, reading bytes."""
    row = 1
    try:
        for batch in _open_csv(path, delimiter, names, pa.binary(), []):
            for name in batch.schema.names:
                column = batch.column(name)
                try:
                    column.cast(pa.string())
                except pa.ArrowInvalid:
                    for i, value in enumerate(column.to_pylist()):
                        try:
                            value.decode("utf-8")
                        except UnicodeDecodeError as exc:
                            return row + i, name, value[exc.start : exc.start + 4]
            row += batch.num_rows
    except pa.ArrowInvalid:
        return None
    return None


def _locate_bad_record(path: Path, delimiter: str, ncols: int) -> tuple[int, int, int] | None:
    """(record, first line, fields) of the first record whose field count is wrong."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        record, line = 0, 1
        for fields in reader:
            if fields and record > 0 and len(fields) != ncols:
                return record, line, len(fields)
            if fields:
                record += 1
            line = reader.line_num + 1
    return None


def _byte_offset(path: Path, text: str) -> int | None:
    needle = text.split("\n", 1)[0][:80].encode("utf-8", "replace")
    if not needle:
        return None
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        found = mm.find(needle)
    return found if found >= 0 else None
