"""Read posts from CSV, TSV, Parquet or JSONL as a stream of Arrow record batches.

:func:`iter_post_batches` yields batches with a fixed layout, whatever the input format:

- ``post_id`` (string): the id column, as text (Parquet integer ids are cast to text).
- ``text`` (string, may be null): the text column, as read (not normalised).
- ``source_row`` (int64): 1-based number of the record in the file, header excluded. For CSV/TSV
  this counts records, not lines (a quoted line break does not start a new record; blank lines
  are skipped); for JSONL it is the line number.
- every other input column, under its own name (``input_<name>`` when the name is one of
  :data:`RESERVED`). Parquet columns keep their types. CSV, TSV and JSONL columns are read as
  text (JSON numbers and booleans become their JSON text, objects and arrays compact JSON);
  :class:`CarriedTypes` then decides, over the whole file, which of them become int64, float64
  or bool in the filter output (see its docstring).

Memory stays flat: CSV/TSV are parsed block by block by ``pyarrow.csv.open_csv``, Parquet is read
with ``iter_batches`` and JSONL line by line (two passes: the first collects the keys).

Every problem is an :class:`~emobatch.errors.InputDataError` that names the file and, where it
applies, the row and column, and the config key to change.
"""

from __future__ import annotations

import csv
import json
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from emobatch.errors import InputDataError

__all__ = [
    "FORMATS",
    "RESERVED",
    "CarriedTypes",
    "carried_names",
    "detect_format",
    "iter_post_batches",
    "reads_text_columns",
]

FORMATS = ("csv", "tsv", "parquet", "jsonl")
# Column names the pipeline produces; input columns with these names get an ``input_`` prefix.
RESERVED = (
    "post_id",
    "text",
    "source_row",
    "text_truncated",
    "text_chars",
    "analysis_key",
    "to_submit",
)
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")
_CSV_BLOCK = 2 << 20  # bytes per pyarrow CSV block: one record must fit in a block; the
# reader reads a few dozen blocks ahead, so this also bounds its memory (~100 MB)
_MAX_LISTED = 10
_ICONV = "iconv -f cp949 -t utf-8 {path} > {stem}.utf8{suffix}"


# --- helpers shared by the readers -----------------------------------------------------------


def _error(path: Path, what: str, hint: str) -> InputDataError:
    return InputDataError(f"posts file {path}: {what}", hint=hint)


def carried_names(names: list[str]) -> list[str]:
    """Output names of carried input columns: ``input_<name>`` when a name is one of
    :data:`RESERVED` (``input_input_<name>`` if the file also has ``input_<name>``, ...)."""
    taken = set(RESERVED) | set(names)
    out = []
    for name in names:
        if name in RESERVED:
            new = f"input_{name}"
            while new in taken:
                new = f"input_{new}"
            taken.add(new)
            name = new
        out.append(name)
    return out


def detect_format(path: Path | str, fmt: str = "auto") -> str:
    """The reader for ``path``: ``fmt`` itself, or (``auto``) the one its file ending names."""
    path = Path(path)
    if fmt != "auto":
        if fmt not in FORMATS:
            raise _error(
                path,
                f"unknown format {fmt!r}",
                f"set input.format to auto or one of {', '.join(FORMATS)}",
            )
        return fmt
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise _error(
            path,
            f"cannot tell the format from the file ending {path.suffix or '(none)'!r}",
            f"set input.format to one of {', '.join(FORMATS)}, or rename the file to end in "
            + ", ".join(sorted(_SUFFIXES)),
        )
    return found


def _check_columns(path: Path, names: list[str], id_column: str, text_column: str) -> None:
    found = ", ".join(repr(n) for n in names) or "(none)"
    for key, column in (("input.id_column", id_column), ("input.text_column", text_column)):
        if column not in names:
            raise _error(
                path,
                f"has no column {column!r} (columns found: {found})",
                f"set {key} to one of the columns found, or rename the column in the file",
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _error(
            path,
            f"has duplicate column names: {', '.join(map(repr, dupes))}",
            "give every column a unique name in the header",
        )
    if id_column == text_column:
        raise _error(
            path,
            f"input.id_column and input.text_column are both {id_column!r}",
            "set input.id_column and input.text_column to two different columns",
        )


def _row_list(rows: list[int], total: int) -> str:
    listed = ", ".join(str(r) for r in rows[:_MAX_LISTED])
    more = f" and {total - _MAX_LISTED} more" if total > _MAX_LISTED else ""
    return listed + more


def _check_ids(path: Path, ids: pa.Array, rows: pa.Array, id_column: str) -> None:
    """Every post needs an id: raise naming the rows whose id is null, NaN or blank."""
    blank = pc.equal(pc.utf8_trim_whitespace(ids), "")
    missing = pc.or_kleene(pc.is_null(ids), blank).fill_null(True)
    n = pc.sum(missing).as_py() or 0
    if n:
        bad = rows.filter(missing).to_pylist()
        raise _error(
            path,
            f"column {id_column!r} (input.id_column) is empty in row(s) "
            f"{_row_list(bad, n)}; every post needs an id (rows further down were not checked)",
            "fill in the missing ids (or remove those rows), or set input.id_column to a "
            "column that always has a value",
        )


def _row_numbers(first_row: int, n: int) -> pa.Array:
    return pa.array(range(first_row, first_row + n), pa.int64())


def _assemble(
    path: Path,
    names: list[str],
    columns: list[pa.Array],
    rows: pa.Array,
    id_column: str,
    text_column: str,
) -> pa.RecordBatch:
    """Build the output batch layout from a batch's input columns (id/text already cast)."""
    by_name = dict(zip(names, columns, strict=True))
    _check_ids(path, by_name[id_column], rows, id_column)
    carried = [name for name in names if name not in (id_column, text_column)]
    out_names = ["post_id", "text", "source_row", *carried_names(carried)]
    out_cols = [by_name[id_column], by_name[text_column], rows, *(by_name[n] for n in carried)]
    return pa.RecordBatch.from_arrays(out_cols, names=out_names)


def _split(batch: pa.RecordBatch, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, batch_rows):
        yield batch.slice(start, batch_rows)


def _no_rows(path: Path) -> InputDataError:
    return _error(
        path,
        "has a header but no rows",
        "check the export, or set input.path to the file that holds the posts",
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


# --- Parquet -------------------------------------------------------------------------------


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or (pa.types.is_string_view(kind))
    )


def _check_parquet_types(
    path: Path, pfile: pq.ParquetFile, id_column: str, text_column: str
) -> None:
    """Raise naming every column of the wrong type (and, then, rows without an id)."""
    schema = pfile.schema_arrow
    problems = []
    text_type = schema.field(text_column).type
    if not _is_text(text_type):
        problems.append(
            f"column {text_column!r} (input.text_column) must be a string column "
            f"(found {text_type})"
        )
    id_type = schema.field(id_column).type
    id_ok = _is_text(id_type) or pa.types.is_integer(id_type) or pa.types.is_floating(id_type)
    if not id_ok:
        problems.append(
            f"column {id_column!r} (input.id_column) must be text or integer (found {id_type})"
        )
    if not problems:
        return
    if id_ok:  # say everything at once: also the rows without an id
        ids = pfile.read(columns=[id_column]).column(0).combine_chunks()
        missing = (
            pc.is_null(ids, nan_is_null=True)
            if pa.types.is_floating(id_type)
            else (pc.is_null(ids))
        )
        rows = [i + 1 for i, bad in enumerate(missing.to_pylist()) if bad]
        if rows:
            problems.append(
                f"column {id_column!r} (input.id_column) has no id in row(s) "
                f"{_row_list(rows, len(rows))}"
            )
    raise _error(
        path,
        "; ".join(problems),
        "write the post text as a string column and the ids as string or integer "
        "(no missing ids), or set input.text_column / input.id_column to the right "
        "columns",
    )


def _parquet_ids(path: Path, ids: pa.Array, first_row: int, id_column: str) -> pa.Array:
    """Ids as text: integers as digits; floats only when every value is a whole number."""
    if pa.types.is_floating(ids.type):
        missing = pc.or_(pc.is_null(ids), pc.is_nan(ids)).fill_null(True)
        fraction = pc.not_equal(pc.floor(ids), ids).fill_null(False)
        for mask, what in (
            (missing, "is missing (null or NaN)"),
            (fraction, "is not a whole number"),
        ):
            n = pc.sum(mask).as_py() or 0
            if n:
                rows = [first_row + i for i, bad in enumerate(mask.to_pylist()) if bad]
                raise _error(
                    path,
                    f"column {id_column!r} (input.id_column) {what} in row(s) {_row_list(rows, n)}",
                    "fill in the ids, or set input.id_column to a column with an id on "
                    "every row (write ids as string or integer, not float)",
                )
        ids = ids.cast(pa.int64())
    return ids.cast(pa.string())


def _iter_parquet(
    path: Path, id_column: str, text_column: str, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    try:
        pfile = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _error(
            path,
            f"is not a readable Parquet file ({exc})",
            "check the file, or set input.format if it is not Parquet",
        ) from None
    schema = pfile.schema_arrow
    _check_columns(path, schema.names, id_column, text_column)
    _check_parquet_types(path, pfile, id_column, text_column)
    if pfile.metadata.num_rows == 0:
        raise _no_rows(path)
    next_row = 1
    for batch in pfile.iter_batches(batch_size=batch_rows):
        cols = []
        for name in batch.schema.names:
            col = batch.column(name)
            if name == id_column:
                col = _parquet_ids(path, col, next_row, id_column)
            elif name == text_column:
                col = col.cast(pa.string())
            cols.append(col)
        rows = _row_numbers(next_row, batch.num_rows)
        yield _assemble(path, batch.schema.names, cols, rows, id_column, text_column)
        next_row += batch.num_rows


# --- JSONL ---------------------------------------------------------------------------------


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                raise _error(
                    path,
                    f"line {number} is not valid UTF-8 ({exc.reason} at byte "
                    f"{exc.start} of the line)",
                    _utf8_hint(path),
                ) from None
            except json.JSONDecodeError as exc:
                raise _error(
                    path,
                    f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})",
                    "fix that line; JSONL needs one JSON object per line",
                ) from None
            if not isinstance(obj, dict):
                raise _error(
                    path,
                    f"line {number} is a JSON {type(obj).__name__}, not an object",
                    "write one JSON object per line",
                )
            yield number, obj


def _json_text(value: Any) -> str | None:
    kind = type(value)
    if value is None or kind is str:
        return value
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _json_batch(
    path: Path, names: list[str], records: list[dict[str, Any]], lines: list[int]
) -> list[pa.Array]:
    columns = []
    for name in names:
        values = [r.get(name) for r in records]
        if not all(v is None or type(v) is str for v in values):
            values = [_json_text(v) for v in values]
        try:
            columns.append(pa.array(values, pa.string()))
        except (UnicodeEncodeError, pa.ArrowException):
            for line, value in zip(lines, values, strict=True):
                try:
                    (value or "").encode("utf-8")
                except UnicodeEncodeError:
                    raise _error(
                        path,
                        f"line {line}, column {name!r} has a broken \\u escape "
                        "(an unpaired surrogate)",
                        "fix or remove that escape",
                    ) from None
            raise
    return columns


def _iter_jsonl(
    path: Path, id_column: str, text_column: str, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    names: dict[str, None] = {}
    for _, obj in _json_lines(path):
        names.update(dict.fromkeys(obj))
    if not names:
        raise _error(path, "has no JSON lines", "check the export")
    order = list(names)
    _check_columns(path, order, id_column, text_column)
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, obj in _json_lines(path):
        records.append(obj)
        lines.append(number)
        if len(records) == batch_rows:
            yield _jsonl_batch(path, order, records, lines, id_column, text_column)
            records, lines = [], []
    if records:
        yield _jsonl_batch(path, order, records, lines, id_column, text_column)


def _jsonl_batch(
    path: Path,
    names: list[str],
    records: list[dict[str, Any]],
    lines: list[int],
    id_column: str,
    text_column: str,
) -> pa.RecordBatch:
    columns = _json_batch(path, names, records, lines)
    return _assemble(path, names, columns, pa.array(lines, pa.int64()), id_column, text_column)


# --- entry point ---------------------------------------------------------------------------


def iter_post_batches(
    path: Path | str,
    *,
    fmt: str = "auto",
    id_column: str,
    text_column: str,
    batch_rows: int = 50_000,
) -> Iterator[pa.RecordBatch]:
    """Stream the posts of ``path`` as record batches of at most ``batch_rows`` rows.

    See the module docstring for the batch layout. Raises :class:`InputDataError` for a missing
    or empty file, an unknown format, missing id/text columns, rows without an id, invalid UTF-8,
    malformed CSV/JSON, a file without rows and Parquet columns of the wrong type.
    """
    path = Path(path)
    kind = detect_format(path, fmt)
    if path.suffix.lower() in _COMPRESSED:
        raise _error(
            path,
            "is compressed; compressed posts files are not read directly",
            f"decompress it first (e.g. `gunzip -k {path}`) and set input.path to the "
            "decompressed file",
        )
    if not path.is_file():
        raise _error(
            path,
            "does not exist",
            "set input.path to the posts file (relative to the project folder)",
        )
    if path.stat().st_size == 0:
        raise _error(
            path,
            "is empty (0 bytes)",
            "check the export, or set input.path to the file that holds the posts",
        )
    if kind in ("csv", "tsv"):
        yield from _iter_csv(
            path, "," if kind == "csv" else "\t", id_column, text_column, batch_rows
        )
    elif kind == "parquet":
        yield from _iter_parquet(path, id_column, text_column, batch_rows)
    else:
        yield from _iter_jsonl(path, id_column, text_column, batch_rows)


# --- types of text columns -------------------------------------------------------------------


class CarriedTypes:
    """Decide, over a whole file, the type of carried columns that were read as text.

    A column becomes int64, else float64, else bool when every non-empty value of it parses as
    that type (empty values become null); otherwise it stays text. Two exceptions keep id-like
    columns text: values with a leading zero (``007``) and integers too long for int64 or for an
    exact float (16+ digits) are never converted. Feed every batch to :meth:`update`, then
    :meth:`cast` the columns of the rows you keep.
    """

    _CANDIDATES = (pa.int64(), pa.float64(), pa.bool_())
    _KEEP_TEXT = r"^[+-]?0[0-9]|^[+-]?[0-9]{16,}$"

    def __init__(self, names: list[str]) -> None:
        self._possible = {name: list(self._CANDIDATES) for name in names}
        self._seen = dict.fromkeys(names, False)

    def update(self, batch: pa.RecordBatch) -> None:
        """Narrow the candidate types with the values of ``batch``."""
        for name, possible in self._possible.items():
            if not possible:
                continue
            values = _non_empty(batch.column(name))
            if len(values) == 0:
                continue
            self._seen[name] = True
            if pc.any(pc.match_substring_regex(values, self._KEEP_TEXT)).as_py():
                possible.clear()
                continue
            for kind in list(possible):
                try:
                    values.cast(kind)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    possible.remove(kind)

    def types(self) -> dict[str, pa.DataType]:
        """The decided type of every column."""
        return {
            name: possible[0] if possible and self._seen[name] else pa.string()
            for name, possible in self._possible.items()
        }

    def cast(self, name: str, column: pa.Array) -> pa.Array:
        """``column`` converted to the decided type (empty values become null)."""
        kind = self.types()[name]
        if kind == pa.string():
            return column
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column).cast(kind)


def _non_empty(column: pa.Array) -> pa.Array:
    return column.filter(pc.not_equal(column, "").fill_null(False))


def reads_text_columns(kind: str) -> bool:
    """Whether the ``kind`` reader delivers carried columns as text (CSV, TSV, JSONL)."""
    return kind != "parquet"
