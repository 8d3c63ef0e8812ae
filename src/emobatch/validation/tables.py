"""Read a CSV, TSV or XLSX file as a header and rows of text cells, with their row numbers.

Row numbers are what a spreadsheet shows: the header is row 1, blank rows count. For CSV/TSV a
record with a quoted line break spans several lines of the file; :attr:`Row.where` then also names
the line a text editor shows (``row 5 (line 7)``). Encodings tried for CSV/TSV: UTF-8 (a BOM is
allowed), then CP949 (Korean Excel's default). The delimiter is a tab for ``.tsv``/``.tab`` files
and for ``.csv``/``.txt`` files whose header has tabs and no commas, a comma otherwise. XLSX files
are read with python-calamine, from the sheet called ``coding`` if there is one, else the first
sheet. Numbers become text (``12.0`` becomes ``12``); empty cells become ``""``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from emobatch.validation.common import ValidationDataError

__all__ = ["Row", "Table", "read_table"]

ENCODINGS = ("utf-8-sig", "cp949")
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number, where to find it, and its cells by column."""

    number: int
    where: str  # "row 5" or "row 5 (line 7)"
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A file's header (stripped, lower case) and its non-blank data rows."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def read_table(path: Path) -> Table:
    """Read ``path`` (CSV, TSV or XLSX); raise :class:`ValidationDataError` if it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise ValidationDataError(
            f"human codes file {path} not found", hint="check the path of the human codes"
        )
    if path.suffix.lower() in XLSX_SUFFIXES:
        grid = [(n, f"row {n}", cells) for n, cells in enumerate(_xlsx_rows(path), start=1)]
    else:
        grid = _delimited_rows(path)
    if not grid:
        raise ValidationDataError(f"{path} is empty", hint="fill in the coding sheet first")
    header = tuple(c.strip().casefold() for c in grid[0][2])
    seen = [h for h in header if h]
    dupes = sorted({h for h in seen if seen.count(h) > 1})
    if dupes:
        raise ValidationDataError(
            f"{path}, row 1: the column {dupes[0]!r} appears twice",
            hint="keep one column per name in the header",
        )
    rows = []
    for number, where, cells in grid[1:]:
        if not any(c.strip() for c in cells):
            continue
        named = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
        rows.append(Row(number, where, named))
    return Table(path, header, tuple(rows))


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationDataError(
        f"{path} is neither UTF-8 nor CP949 text",
        hint="save the file as 'CSV UTF-8' (Excel) or as XLSX",
    )


def _delimited_rows(path: Path) -> list[tuple[int, str, list[str]]]:
    text = _decode(path)
    first = text.split("\n", 1)[0]
    tab = path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tab else ",")
    out: list[tuple[int, str, list[str]]] = []
    last_line = 0
    try:
        for number, cells in enumerate(reader, start=1):
            line = last_line + 1
            last_line = reader.line_num
            where = f"row {number}" if line == number else f"row {number} (line {line})"
            out.append((number, where, cells))
    except csv.Error as exc:
        raise ValidationDataError(
            f"{path}, line {reader.line_num}: not valid CSV ({exc})",
            hint="check the quotes around that line, or save the sheet as XLSX",
        ) from exc
    return out


def _xlsx_rows(path: Path) -> list[list[str]]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        sheet = book.get_sheet_by_name("coding" if "coding" in names else names[0])
        grid = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError, IndexError) as exc:
        raise ValidationDataError(
            f"{path} cannot be read as a spreadsheet ({exc})",
            hint="save the coding sheet as XLSX (or as CSV UTF-8)",
        ) from exc
    return [[_cell_text(v) for v in row] for row in grid]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time | timedelta):
        return value.isoformat() if not isinstance(value, timedelta) else str(value)
    return str(value)
