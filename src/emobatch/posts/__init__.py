"""Read posts from CSV, TSV, Parquet, JSONL or Excel as a stream of Arrow record batches.

:func:`iter_post_batches` yields batches with a fixed layout, whatever the input format:

- ``post_id`` (string): the id column, as text (Parquet integer ids are cast to text).
- ``text`` (string, may be null): the text column, as read (not normalised).
- ``source_row`` (int64): 1-based number of the record in the file, header excluded. For CSV/TSV
  and Excel this counts records, not lines (a quoted line break does not start a new record;
  blank lines and blank sheet rows are skipped); for JSONL it is the line number. Errors name the
  line a text editor shows (or the Excel sheet row) next to it: ``row 2 (line 4)``.
- every other input column, under its own name (``input_<name>`` when the name is one of
  :data:`RESERVED`). Parquet columns keep their types. CSV, TSV, JSONL and Excel columns are
  read as text (JSON numbers and booleans become their JSON text, objects and arrays compact
  JSON, Excel cells as described in :mod:`emobatch.posts.xlsx`); :class:`CarriedTypes` then
  decides, over the whole file, which of them become int64, float64 or bool in the filter output.

:func:`resolve_input` says how a file will be read (format, encoding, delimiter, sheet:
:class:`InputInfo`, which the filter report records); the settings behind it are
``input.format``, ``input.encoding`` (:mod:`emobatch.posts.encoding`), ``input.delimiter``
(:mod:`emobatch.posts.delimited`), ``input.sheet`` (:mod:`emobatch.posts.xlsx`) and
``input.strict_quotes`` (:mod:`emobatch.posts.quotes`).

Memory stays flat: CSV/TSV are parsed in blocks by pyarrow while Python's strict csv reader
checks the same records alongside (:mod:`emobatch.posts.arrow_csv`; the strict reader alone
when in doubt, and for other codecs), Parquet is read with ``iter_batches``, JSONL line by line
(two passes: the first collects the keys), and Excel sheets row by row from calamine's cell
grid (see :mod:`emobatch.posts.xlsx`).

Every problem is an :class:`~emobatch.errors.InputDataError` that names the file and, where it
applies, the row, line and column, and the config key to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa

from emobatch.posts.arrow_csv import iter_csv
from emobatch.posts.common import (
    _COMPRESSED,
    FORMATS,
    RESERVED,
    _error,
    carried_names,
    detect_format,
)
from emobatch.posts.delimited import DELIMITERS, describe_csv
from emobatch.posts.encoding import resolve_encoding
from emobatch.posts.jsonl import _iter_jsonl
from emobatch.posts.parquet_reader import _iter_parquet
from emobatch.posts.types import CarriedTypes, reads_text_columns
from emobatch.posts.xlsx import _iter_xlsx, sheet_name

__all__ = [
    "DELIMITERS",
    "FORMATS",
    "RESERVED",
    "CarriedTypes",
    "InputInfo",
    "carried_names",
    "detect_format",
    "iter_post_batches",
    "reads_text_columns",
    "resolve_input",
]


@dataclass(frozen=True)
class InputInfo:
    """How a posts file is read; the filter report records it under ``input``."""

    format: str
    encoding: str | None = None  # CSV, TSV, JSONL: the codec (utf-8, utf-8-sig, cp949, ...)
    delimiter: str | None = None  # CSV, TSV
    sheet: str | None = None  # Excel: the sheet name

    def as_dict(self) -> dict[str, str]:
        """The fields that apply to this format."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _check_file(path: Path) -> None:
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


def resolve_input(
    path: Path | str,
    *,
    fmt: str = "auto",
    id_column: str,
    text_column: str,
    encoding: str = "auto",
    delimiter: str = "auto",
    sheet: str | int | None = None,
) -> InputInfo:
    """How ``path`` will be read: format, and the encoding, delimiter or sheet that apply.

    ``auto`` settings are resolved here (a CSV with ``encoding: auto`` is trial-decoded once,
    see :mod:`emobatch.posts.encoding`); passing the result back to :func:`iter_post_batches`
    skips that work. Raises :class:`InputDataError` for a missing, empty or compressed file, an
    unknown format, bytes no encoding decodes and a sheet that does not exist.
    """
    path = Path(path)
    kind = detect_format(path, fmt)
    _check_file(path)
    if kind in ("csv", "tsv"):
        codec, chosen = describe_csv(path, kind, encoding, delimiter, id_column, text_column)
        return InputInfo(kind, encoding=codec, delimiter=chosen)
    if kind == "jsonl":
        return InputInfo(kind, encoding=resolve_encoding(path, encoding, kind).codec)
    if kind == "xlsx":
        return InputInfo(kind, sheet=sheet_name(path, sheet))
    return InputInfo(kind)


def iter_post_batches(
    path: Path | str,
    *,
    fmt: str = "auto",
    id_column: str,
    text_column: str,
    batch_rows: int = 50_000,
    encoding: str = "auto",
    delimiter: str = "auto",
    sheet: str | int | None = None,
    strict_quotes: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Stream the posts of ``path`` as record batches of at most ``batch_rows`` rows.

    See the module docstring for the batch layout and the settings. Raises
    :class:`InputDataError` for everything :func:`resolve_input` checks, missing id/text
    columns, rows without an id, undecodable bytes, malformed CSV (including run-away quotes)
    or JSON, a file without rows and Parquet columns of the wrong type.
    """
    path = Path(path)
    info = resolve_input(
        path,
        fmt=fmt,
        id_column=id_column,
        text_column=text_column,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
    )
    if info.format in ("csv", "tsv"):
        assert info.encoding is not None and info.delimiter is not None
        yield from iter_csv(
            path,
            id_column,
            text_column,
            batch_rows,
            codec=info.encoding,
            delimiter=info.delimiter,
            strict_quotes=strict_quotes,
        )
    elif info.format == "parquet":
        yield from _iter_parquet(path, id_column, text_column, batch_rows)
    elif info.format == "xlsx":
        assert info.sheet is not None
        yield from _iter_xlsx(path, id_column, text_column, batch_rows, sheet=info.sheet)
    else:
        yield from _iter_jsonl(path, id_column, text_column, batch_rows, info.encoding or "utf-8")
