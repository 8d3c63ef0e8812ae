"""The CSV a researcher opens in R (base ``read.csv``, readr) or Excel, from the Parquet dataset.

The Parquet file keeps Arrow's types; the CSV is written for people and R:

- **booleans** are ``TRUE`` / ``FALSE`` (empty = NA), what ``read.csv`` reads as logical;
- **timestamps** (``analysed_at``) are ``YYYY-MM-DD HH:MM:SS`` in UTC and the column is renamed
  ``<name>_utc`` (``as.POSIXct(x, tz = "UTC")`` parses it);
- **carried text columns holding ISO 8601 times with an offset** (``2026-11-02T08:15:00+09:00``)
  get the offset without its colon (``+0900``), value by value, so base R parses them with
  ``as.POSIXct(x, format = "%Y-%m-%dT%H:%M:%S%z")``; other values are left alone;
- **column types** are written next to the CSV, in ``results/<mode>.columns.csv`` (``column``,
  ``r_class``: character, numeric, integer, logical, POSIXct; ``arrow_type``), so that columns
  that happen to be empty (``error_reason`` when nothing failed) are not read as logical::

      cols <- read.csv("results/sampling.columns.csv")
      d <- read.csv("results/sampling.csv", encoding = "UTF-8",
                    colClasses = setNames(cols$r_class, cols$column))
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from emobatch.atomic import atomic_path

# Arrow quotes every string value, and R's read.csv reads a quoted "TRUE" as text: booleans are
# written as these markers and replaced by bare TRUE/FALSE in the CSV bytes
_TRUE, _FALSE = "\x01emobatch-TRUE\x01", "\x01emobatch-FALSE\x01"
_BARE = ((f'"{_TRUE}"'.encode(), b"TRUE"), (f'"{_FALSE}"'.encode(), b"FALSE"))
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:\d{2}$"
NOT_TIMES = frozenset({"text", "rationale", "error_detail"})


def csv_name(field: pa.Field) -> str:
    return f"{field.name}_utc" if pa.types.is_timestamp(field.type) else field.name


def for_r(table: pa.Table, times_in: Collection[str] | None = None) -> pa.Table:
    """``table`` with the conversions above (names and values), ready for the CSV writer.

    ``times_in`` names the text columns that may hold ISO times (the carried input columns;
    the pipeline's own never do); ``None`` looks in every text column but those of
    :data:`NOT_TIMES`.
    """
    columns, names = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        may_hold_times = field.name in times_in if times_in is not None else True
        if pa.types.is_boolean(field.type):
            column = pc.if_else(column, _TRUE, _FALSE)
        elif pa.types.is_timestamp(field.type):
            utc = pc.cast(column, pa.timestamp("s", tz="UTC"))
            distinct = pc.unique(utc)  # a merged batch holds a handful (strftime is slow)
            text = pc.strftime(distinct, format="%Y-%m-%d %H:%M:%S")
            column = pc.take(text, pc.index_in(utc, value_set=distinct))
        elif pa.types.is_string(field.type) and may_hold_times and field.name not in NOT_TIMES:
            match = pc.match_substring_regex(column, ISO_WITH_OFFSET)
            if pc.any(match).as_py():
                fixed = pc.replace_substring_regex(column, r"([+-]\d{2}):(\d{2})$", r"\1\2")
                column = pc.if_else(match, fixed, column)
        columns.append(column)
        names.append(csv_name(field))
    return pa.table(columns, names=names)


class RCsvWriter:
    """Streams tables to an open binary file as the CSV described above (header once)."""

    def __init__(self, fh: BinaryIO, times_in: Collection[str] | None = None) -> None:
        self.fh = fh
        self.header = True
        self.times_in = times_in  # see :func:`for_r`

    def write(self, table: pa.Table) -> None:
        buffer = io.BytesIO()
        options = pacsv.WriteOptions(include_header=self.header)
        pacsv.write_csv(for_r(table, self.times_in), buffer, write_options=options)
        data = buffer.getvalue()
        for marker, bare in _BARE:
            data = data.replace(marker, bare)
        self.fh.write(data)
        self.header = False


def r_class(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "logical"
    if pa.types.is_integer(kind):
        return "integer" if kind.bit_width <= 32 else "numeric"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "numeric"
    return "character"  # strings, and timestamps (parse them with as.POSIXct, see above)


def write_column_types(schema: pa.Schema, path: Path) -> None:
    """The ``<mode>.columns.csv`` sidecar: one row per CSV column (UTF-8, no BOM)."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["column", "r_class", "arrow_type"])
        for field in schema:
            writer.writerow([csv_name(field), r_class(field.type), str(field.type)])
