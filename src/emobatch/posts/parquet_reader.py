"""Parquet: row groups with ``iter_batches``, type checks of the id and text columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch.posts.common import (
    _assemble,
    _check_columns,
    _error,
    _no_rows,
    _row_list,
    _row_numbers,
)

# --- Parquet -------------------------------------------------------------------------------


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(
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
