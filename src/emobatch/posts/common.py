"""Shared pieces of the post readers: formats, column checks, batch assembly, errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emobatch.errors import InputDataError

FORMATS = ("csv", "tsv", "parquet", "jsonl", "xlsx")
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
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")
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


@dataclass(frozen=True)
class Lines:
    """Where each record of a batch starts, as the user sees it: ``label`` ``numbers[i]``
    (``line 5`` in a text editor, ``sheet row 5`` in Excel)."""

    numbers: pa.Array
    label: str = "line"


def _row_list(
    rows: list[int], total: int, lines: list[int] | None = None, label: str = "line"
) -> str:
    """``2, 4`` or, with the lines the rows start on, ``2 (line 3), 4 (line 5)``."""
    shown = [
        f"{row} ({label} {line})" if lines else str(row)
        for row, line in zip(rows[:_MAX_LISTED], (lines or rows)[:_MAX_LISTED], strict=True)
    ]
    more = f" and {total - _MAX_LISTED} more" if total > _MAX_LISTED else ""
    return ", ".join(shown) + more


def _check_ids(
    path: Path, ids: pa.Array, rows: pa.Array, id_column: str, lines: Lines | None = None
) -> None:
    """Every post needs an id: raise naming the rows (and lines) whose id is null, NaN or blank."""
    blank = pc.equal(pc.utf8_trim_whitespace(ids), "")
    missing = pc.or_kleene(pc.is_null(ids), blank).fill_null(True)
    n = pc.sum(missing).as_py() or 0
    if n:
        bad = rows.filter(missing).to_pylist()
        at = lines.numbers.filter(missing).to_pylist() if lines else None
        where = _row_list(bad, n, at, lines.label if lines else "line")
        raise _error(
            path,
            f"column {id_column!r} (input.id_column) is empty in row(s) "
            f"{where}; every post needs an id (rows further down were not checked)",
            "fill in the missing ids (or remove those rows), or set input.id_column to a "
            "column that always has a value",
        )


def _row_numbers(first_row: int, n: int) -> pa.Array:
    return pa.array(np.arange(first_row, first_row + n, dtype=np.int64))


def _assemble(
    path: Path,
    names: list[str],
    columns: list[pa.Array],
    rows: pa.Array,
    id_column: str,
    text_column: str,
    lines: Lines | None = None,
) -> pa.RecordBatch:
    """Build the output batch layout from a batch's input columns (id/text already cast)."""
    by_name = dict(zip(names, columns, strict=True))
    _check_ids(path, by_name[id_column], rows, id_column, lines)
    carried = [name for name in names if name not in (id_column, text_column)]
    out_names = ["post_id", "text", "source_row", *carried_names(carried)]
    out_cols = [by_name[id_column], by_name[text_column], rows, *(by_name[n] for n in carried)]
    return pa.RecordBatch.from_arrays(out_cols, names=out_names)


def _split(batch: pa.RecordBatch, batch_rows: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, batch_rows):
        yield batch.slice(start, batch_rows)


class RowBuffer:
    """Rows of text cells collected into columns for one batch.

    Rows are transposed into column lists every :attr:`CHUNK` rows, so at most that many row
    lists are alive at a time (a batch of 50,000 row lists makes the garbage collector rescan
    them over and over; column lists of strings are not tracked by it).
    """

    CHUNK = 1024

    def __init__(self, width: int) -> None:
        self._columns: list[list[str]] = [[] for _ in range(width)]
        self._pending: list[list[str]] = []
        self.lines: list[int] = []

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, row: list[str], line: int) -> None:
        self._pending.append(row)
        self.lines.append(line)
        if len(self._pending) == self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:  # a batch size that is a multiple of CHUNK flushed it already
            return
        for column, values in zip(self._columns, zip(*self._pending, strict=True), strict=True):
            column.extend(values)
        self._pending = []

    def take(self) -> tuple[list[pa.Array], list[int]]:
        """The columns as string arrays and the start lines; the buffer is empty afterwards."""
        self._flush()
        arrays = [pa.array(column, pa.string()) for column in self._columns]
        lines, self.lines = self.lines, []
        self._columns = [[] for _ in self._columns]
        return arrays, lines


def _no_rows(path: Path) -> InputDataError:
    return _error(
        path,
        "has a header but no rows",
        "check the export, or set input.path to the file that holds the posts",
    )
