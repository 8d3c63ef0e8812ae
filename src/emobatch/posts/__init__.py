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

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from emobatch.posts.common import (
    _COMPRESSED,
    FORMATS,
    RESERVED,
    _error,
    carried_names,
    detect_format,
)
from emobatch.posts.delimited import _iter_csv
from emobatch.posts.jsonl import _iter_jsonl
from emobatch.posts.parquet_reader import _iter_parquet
from emobatch.posts.types import CarriedTypes, reads_text_columns

__all__ = [
    "FORMATS",
    "RESERVED",
    "CarriedTypes",
    "carried_names",
    "detect_format",
    "iter_post_batches",
    "reads_text_columns",
]

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
