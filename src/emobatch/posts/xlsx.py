"""Excel workbooks (``.xlsx``, ``.xlsm``): one sheet, read with python-calamine, cells as text.

Sheet (``input.sheet``): a sheet name, or a 0-based index; unset (``null``), the first sheet. An
integer that is not a valid index but is the name of a sheet (``2024``) picks that sheet.

Layout: the first row with a value is the header (an empty header cell becomes
``column_<letter>``; columns right of the last named one are ignored); every later row with a
value is a record, blank rows are skipped. ``source_row`` counts records;
errors name the sheet row too (the row number Excel shows): ``row 2 (sheet row 4)``.

Cells become text, as in a CSV export: strings as they are; numbers as digits when whole
(``3.0`` → ``3``), else Python's shortest repr (``0.5``); booleans ``true``/``false``; dates,
times and datetimes as ISO 8601 (``2024-05-01``, ``2024-05-01T13:45:00``); durations as
``H:MM:SS``; empty cells and formulas without a cached value as empty text. The carried columns
then get their types from :class:`~emobatch.posts.CarriedTypes`, like CSV columns. An id stored as
a number of 16 or more digits is an error: Excel keeps 15 significant digits, so such an id has
already been changed (format the column as Text).

Memory: calamine parses the chosen sheet into its own compact cell grid when the sheet is opened
(an .xlsx sheet is one XML part inside a ZIP file and cannot be read backwards or skipped); rows
are then converted to Python one at a time and handed on ``batch_rows`` at a time. Excel sheets
hold at most 1,048,576 rows; for inputs near that size prefer CSV or Parquet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, PasswordError

from emobatch.posts.common import Lines, RowBuffer, _assemble, _check_columns, _error, _no_rows
from emobatch.posts.common import _row_numbers as row_numbers

Cell = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta  # calamine's
_EXACT = 10**15  # Excel keeps 15 significant digits


def _open(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise _error(
            path,
            "is a password-protected Excel workbook",
            "save an unprotected copy (or export the sheet as CSV UTF-8) and set input.path",
        ) from None
    except (CalamineError, OSError, ValueError) as exc:
        raise _error(
            path,
            f"is not a readable Excel workbook ({exc})",
            "open and re-save it in Excel, or set input.format if it is not .xlsx",
        ) from None


def _listing(names: list[str]) -> str:
    return ", ".join(f"{i} {name!r}" for i, name in enumerate(names))


def sheet_name(path: Path, sheet: str | int | None) -> str:
    """The name of the sheet ``input.sheet`` = ``sheet`` picks in ``path``."""
    workbook = _open(path)
    try:
        names = list(workbook.sheet_names)
    finally:
        workbook.close()
    if not names:
        raise _error(path, "has no sheets", "check the workbook")
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if str(sheet) in names:
        return str(sheet)
    raise _error(
        path,
        f"has no sheet {sheet!r} (sheets: {_listing(names)})",
        "set input.sheet to one of the sheet names, or to its 0-based index",
    )


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("A") + rest) + out
    return out


def cell_text(value: Cell | None) -> str:
    """A cell as text (see the module docstring)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return "" if value is None else str(value)


def _header(sheet: CalamineSheet, rows: Iterator[list[Cell]], path: Path) -> tuple[list[str], int]:
    """(column names, sheet row of the header). calamine yields rows from the sheet's first
    row but cells from its first used column."""
    first_col = (sheet.start or (0, 0))[1]
    for i, row in enumerate(rows):
        names = [cell_text(c) for c in row]
        if any(n.strip() for n in names):
            while names and not names[-1].strip():
                names.pop()
            named = [n or f"column_{_letters(first_col + j)}" for j, n in enumerate(names)]
            return named, i + 1
    raise _error(path, f"sheet {sheet.name!r} is empty", "set input.sheet to the sheet of posts")


def _iter_xlsx(
    path: Path, id_column: str, text_column: str, batch_rows: int, *, sheet: str
) -> Iterator[pa.RecordBatch]:
    workbook = _open(path)
    record = 0
    try:
        grid = workbook.get_sheet_by_name(sheet)
        rows = iter(grid.iter_rows())
        names, header_row = _header(grid, rows, path)
        _check_columns(path, names, id_column, text_column)
        id_index, width = names.index(id_column), len(names)
        buffer = RowBuffer(width)
        for sheet_row, row in enumerate(rows, start=header_row + 1):
            if not any(c != "" and c is not None for c in row):
                continue
            record += 1
            cell = row[id_index] if id_index < len(row) else ""
            _check_exact(path, cell, record, sheet_row, id_column)
            values = [cell_text(c) for c in row[:width]]
            buffer.add(values + [""] * (width - len(values)), sheet_row)
            if len(buffer) == batch_rows:
                yield _batch(path, names, buffer, record, id_column, text_column)
        if len(buffer):
            yield _batch(path, names, buffer, record, id_column, text_column)
    except CalamineError as exc:
        raise _error(
            path, f"sheet {sheet!r} cannot be read ({exc})", "open and re-save it in Excel"
        ) from None
    finally:
        workbook.close()
    if record == 0:
        raise _no_rows(path)


def _check_exact(
    path: Path, value: Cell | None, record: int, sheet_row: int, id_column: str
) -> None:
    if isinstance(value, float) and abs(value) >= _EXACT:
        raise _error(
            path,
            f"row {record} (sheet row {sheet_row}), column {id_column!r} holds the number "
            f"{value:.15g}: Excel keeps 15 significant digits, so this id is no longer exact",
            "format the id column as Text in Excel and paste the ids again from the source, or "
            "export the posts with the ids as text",
        )


def _batch(
    path: Path, names: list[str], buffer: RowBuffer, last: int, id_column: str, text_column: str
) -> pa.RecordBatch:
    columns, lines = buffer.take()
    rows = row_numbers(last - len(lines) + 1, len(lines))
    where = Lines(pa.array(lines, pa.int64()), "sheet row")
    return _assemble(path, names, columns, rows, id_column, text_column, where)
