"""Shared pieces of the post readers: formats, column checks, batch assembly, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from emobatch.errors import InputDataError

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
