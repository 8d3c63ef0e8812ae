"""The fast way to read a well-formed UTF-8 CSV/TSV: pyarrow parses, Python's csv checks.

Python's ``csv.reader(strict=True)`` is the judge of what a posts file holds (see
:mod:`emobatch.posts.delimited`): every error it finds names a record and a line. Building a
million records into columns in Python costs several seconds, though, while pyarrow's
multi-threaded parser does it in about one. pyarrow is not strict (it reads ``"Hello" she
said`` as ``Hello she said`` and an unclosed quote as a value running to the end of the file)
and cannot say on which line a record starts, so it is used only where it provably reads what
the strict reader reads:

- the strict reader consumes the same file alongside, in C (it keeps only each record's id),
  so any quoting it rejects stops the fast path; its ids must equal pyarrow's, record for
  record, and both must end together;
- pyarrow itself rejects a record whose field count differs from the header's;
- rows without an id and (``input.strict_quotes``) multi-line values that swallowed lines
  looking like records (:func:`emobatch.posts.quotes.check_runaway`) are looked for in the
  columns, with Python only for the rows that hold a line break;
- only UTF-8 files whose header is one line on line 1 are read this way.

At the first doubt the file is read again from the start by the strict reader, which skips
the records already handed on and raises the error, worded with its row and line, or (if
there was none) reads on: the batches are the same either way (tests compare the two readers
on the same files), only slower.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from emobatch.errors import InputDataError
from emobatch.posts.common import _assemble, _row_numbers
from emobatch.posts.delimited import _allow_long_values, _check_csv_columns, _iter_csv
from emobatch.posts.quotes import check_runaway

log = logging.getLogger("emobatch.posts")

FAST_CODECS = ("utf-8", "utf-8-sig")
BLOCK_BYTES = 2 << 20


class _Doubt(Exception):
    """The fast path cannot vouch for what comes next; the strict reader takes over."""


def iter_csv(
    path: Path,
    id_column: str,
    text_column: str,
    batch_rows: int,
    *,
    codec: str,
    delimiter: str,
    strict_quotes: bool = True,
) -> Iterator[pa.RecordBatch]:
    """The batches :func:`emobatch.posts.delimited._iter_csv` yields, read fast when it can."""

    def read(reader: Callable[..., Iterator[pa.RecordBatch]]) -> Iterator[pa.RecordBatch]:
        return reader(
            path,
            id_column,
            text_column,
            batch_rows,
            codec=codec,
            delimiter=delimiter,
            strict_quotes=strict_quotes,
        )

    slow = read(_iter_csv)
    done = 0
    if codec in FAST_CODECS:
        try:
            for batch in read(_fast):
                yield batch
                done += batch.num_rows
            return
        except _Doubt as doubt:
            log.debug("%s: strict reader from record %d on (%s)", path, done + 1, doubt)
    for batch in slow:
        if done >= batch.num_rows:
            done -= batch.num_rows
            continue
        yield batch.slice(done) if done else batch
        done = 0


def _fast(
    path: Path,
    id_column: str,
    text_column: str,
    batch_rows: int,
    *,
    codec: str,
    delimiter: str,
    strict_quotes: bool,
) -> Iterator[pa.RecordBatch]:
    _allow_long_values()
    with open(path, encoding=codec, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, strict=True)
        try:
            names = next(reader, [])
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _Doubt(f"header: {exc}") from None
        if not names or reader.line_num != 1:
            raise _Doubt("the header is not one line on line 1")
        _check_csv_columns(path, names, delimiter, id_column, text_column)
        id_index = names.index(id_column)
        record = 0
        for batch in _arrow_batches(path, names, delimiter):
            try:
                ids = strict_ids(fh, batch.num_rows, delimiter, id_index)
            except (csv.Error, UnicodeDecodeError, IndexError) as exc:
                raise _Doubt(f"strict reader: {exc}") from None
            if not pa.array(ids, pa.string()).equals(batch.column(id_index)):
                raise _Doubt("the strict reader's ids differ from pyarrow's")
            if strict_quotes:
                _check_multi_line(path, names, batch, delimiter, id_index)
            rows = _row_numbers(record + 1, batch.num_rows)
            try:
                out = _assemble(path, names, batch.columns, rows, id_column, text_column)
            except InputDataError as exc:  # a row without an id: the strict reader words it
                raise _Doubt(str(exc)) from None
            record += batch.num_rows
            for start in range(0, out.num_rows, batch_rows):
                yield out.slice(start, batch_rows)
        try:
            if strict_ids(fh, 1, delimiter, id_index):
                raise _Doubt("the strict reader has records after pyarrow's last")
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _Doubt(f"strict reader: {exc}") from None
        if record == 0:
            raise _Doubt("no rows")  # the strict reader says so, naming the file


def strict_ids(lines: Iterator[str], n: int, delimiter: str, id_index: int) -> list[str]:
    """The ids of the next ``n`` records of ``lines`` (a text file opened with ``newline=""``,
    after its header; fewer at its end) as ``csv.reader(strict=True)`` reads them, raising
    where it raises.

    Only a double quote can make strict CSV invalid (text after a closing quote, a quote never
    closed), so a line without one that starts a record is split as it stands (blank lines
    skipped, as the reader skips them); a line with one goes to the reader, which takes the
    lines of its record from the same file. That is ~3x less work than reading every record.
    """
    ids: list[str] = []
    add, limit = ids.append, csv.field_size_limit()
    for line in lines:
        if '"' in line:
            fields = next(csv.reader(chain((line,), lines), delimiter=delimiter, strict=True))
            if not fields:
                continue
            add(fields[id_index])
        elif line[0] in "\r\n":  # a blank line ("\n", "\r\n" or "\r" in this mode)
            continue
        elif len(line) > limit:
            raise csv.Error(f"a line longer than the field limit ({limit:,})")
        elif id_index == 0:
            end = line.find(delimiter)
            add(line[:end] if end >= 0 else line.rstrip("\r\n"))
        else:
            add(line.rstrip("\r\n").split(delimiter, id_index + 1)[id_index])
        if len(ids) == n:
            break
    return ids


def _arrow_batches(path: Path, names: list[str], delimiter: str) -> Iterator[pa.RecordBatch]:
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
        # pyarrow parses the next block in a thread (without the GIL) while the caller checks
        # this one with the strict reader (which holds it)
        with ThreadPoolExecutor(1, thread_name_prefix="emobatch-csv") as pool:
            ahead = pool.submit(_next_batch, reader)
            while (batch := ahead.result()) is not None:
                ahead = pool.submit(_next_batch, reader)
                if batch.num_rows:
                    yield batch
    except (pa.ArrowInvalid, OSError) as exc:
        raise _Doubt(f"pyarrow: {str(exc)[:200]}") from None


def _next_batch(reader: pacsv.CSVStreamingReader) -> pa.RecordBatch | None:
    try:
        return reader.read_next_batch()
    except StopIteration:
        return None


def _check_multi_line(
    path: Path, names: list[str], batch: pa.RecordBatch, delimiter: str, id_index: int
) -> None:
    """Rule 4 of :mod:`emobatch.posts.quotes` for the rows with a line break in a value."""
    rows = np.unique(np.concatenate([rows_with_line_breaks(c) for c in batch.columns]))
    if not len(rows):
        return
    multi = batch.take(pa.array(rows))
    for fields in zip(*(column.to_pylist() for column in multi.columns), strict=True):
        try:
            check_runaway(path, names, list(fields), (0, 0), delimiter, id_index)
        except InputDataError:
            raise _Doubt("a multi-line value looks like a run-away quote") from None


def rows_with_line_breaks(column: pa.Array) -> np.ndarray:
    """Indices of the values of a string column (no nulls) holding ``\\n`` or ``\\r``, found
    in its data buffer with numpy (a regex over every value is ~10x slower)."""
    if len(column) == 0:
        return np.empty(0, np.int64)
    _, offsets_buffer, data_buffer = column.buffers()
    if data_buffer is None or data_buffer.size == 0:  # every value is empty
        return np.empty(0, np.int64)
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, width)[column.offset : column.offset + len(column) + 1]
    data = np.frombuffer(data_buffer, np.uint8)[offsets[0] : offsets[-1]]
    hits = np.flatnonzero((data == 10) | (data == 13)) + offsets[0]
    return np.unique(np.searchsorted(offsets, hits, side="right") - 1)
