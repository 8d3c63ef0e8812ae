"""Excel workbooks (.xlsx) read directly: sheet choice, cells as text, errors naming sheet rows."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import detect_format, iter_post_batches
from emobatch.stages.filter import run_filter

HEADER = ["post_id", "text", "likes", "posted", "seen_at", "pinned"]
ROWS: list[list[Any]] = [
    [
        1,
        "오늘 점심 마라탕 존맛 ㅋㅋ",
        3,
        dt.date(2024, 5, 1),
        dt.datetime(2024, 5, 1, 13, 45),
        True,
    ],
    ["007", "leading zeros stay", 0, dt.date(2024, 5, 2), None, False],
    [None, None, None, None, None, None],  # a blank sheet row is skipped
    [2.0, "multi\nline cell", 12, None, dt.datetime(2024, 5, 3, 9, 0, 30), None],
]


def write_xlsx(
    path: Path, rows: Sequence[Sequence[Any]] = ROWS, *, header: Sequence[str] = HEADER, **sheets
) -> Path:
    """A workbook with the posts on sheet 'Posts' (first) and any extra ``name=rows`` sheets."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Posts"
    for row in [header, *rows]:
        sheet.append(list(row))
    for name, extra in sheets.items():
        other = book.create_sheet(name)
        for row in extra:
            other.append(list(row))
    book.save(path)
    return path


def read_all(path: Path, **kwargs) -> pa.Table:
    kwargs.setdefault("id_column", "post_id")
    kwargs.setdefault("text_column", "text")
    return pa.Table.from_batches(list(iter_post_batches(path, **kwargs)))


def error_of(path: Path, **kwargs) -> str:
    with pytest.raises(InputDataError) as info:
        read_all(path, **kwargs)
    message = str(info.value)
    assert str(path) in message and "next step:" in message
    return message


def test_cells_become_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx")
    assert detect_format(path) == "xlsx"
    table = read_all(path)
    assert table.column_names == ["post_id", "text", "source_row", *HEADER[2:]]
    assert table.to_pylist() == [
        {
            "post_id": "1",
            "text": "오늘 점심 마라탕 존맛 ㅋㅋ",
            "source_row": 1,
            "likes": "3",
            "posted": "2024-05-01",
            "seen_at": "2024-05-01T13:45:00",
            "pinned": "true",
        },
        {
            "post_id": "007",
            "text": "leading zeros stay",
            "source_row": 2,
            "likes": "0",
            "posted": "2024-05-02",
            "seen_at": "",
            "pinned": "false",
        },
        {
            "post_id": "2",
            "text": "multi\nline cell",
            "source_row": 3,
            "likes": "12",
            "posted": "",
            "seen_at": "2024-05-03T09:00:30",
            "pinned": "",
        },
    ]


def test_the_sheet_is_chosen_by_name_or_index(tmp_path: Path) -> None:
    notes = [["post_id", "text"], ["n1", "a note"]]
    path = write_xlsx(tmp_path / "posts.xlsx", Notes=notes)
    assert read_all(path).num_rows == 3  # the first sheet by default
    assert read_all(path, sheet="Notes").column("post_id").to_pylist() == ["n1"]
    assert read_all(path, sheet=1).column("post_id").to_pylist() == ["n1"]
    assert read_all(path, sheet=0).num_rows == 3


def test_an_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx", Notes=[["a"]])
    message = error_of(path, sheet="Tweets")
    assert "no sheet 'Tweets'" in message and "0 'Posts', 1 'Notes'" in message
    assert "input.sheet" in message
    assert "no sheet 5" in error_of(path, sheet=5)


def test_format_xlsx_reads_any_file_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "export.bin")
    assert read_all(path, fmt="xlsx").num_rows == 3


def test_missing_ids_name_the_sheet_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx", [["a1", "x"], [None, "y"], [], ["", "z"]])
    message = error_of(path)
    assert "is empty in row(s) 2 (sheet row 3), 3 (sheet row 5)" in message


def test_a_table_that_does_not_start_at_a1(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for cell, value in {"C3": "post_id", "D3": "text", "F3": "likes", "C4": "a", "D4": "x"}.items():
        sheet[cell] = value
    sheet["D6"], sheet["E6"] = "no id", "under no header"
    book.save(tmp_path / "posts.xlsx")
    message = error_of(tmp_path / "posts.xlsx")
    assert "row(s) 2 (sheet row 6)" in message
    sheet["C6"] = "b"
    book.save(tmp_path / "posts.xlsx")
    table = read_all(tmp_path / "posts.xlsx")
    assert table.column_names == ["post_id", "text", "source_row", "column_E", "likes"]
    assert table.column("column_E").to_pylist() == ["", "under no header"]


def test_an_id_too_long_for_an_excel_number(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx", [[1790000000000000001, "a tweet"]])
    message = error_of(path)
    assert "row 1 (sheet row 2), column 'post_id'" in message
    assert "format the id column as Text" in message


def test_missing_columns_and_not_a_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx", [["a", "b"]], header=["id", "body"])
    assert "columns found: 'id', 'body'" in error_of(path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert "is not a readable Excel workbook" in error_of(broken)


def test_the_filter_reads_a_workbook(make_settings, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "posts.xlsx")
    out = tmp_path / "out"
    report = run_filter(
        make_settings(path, input={"sheet": "Posts"}),
        "full",
        analysis="axlsx0000001",
        out_selected=out / "selected.parquet",
        out_report=out / "report.json",
        out_dropped=out / "dropped.parquet",
    )
    assert report["population"] == 3 and report["input"]["format"] == "xlsx"
    assert report["input"]["sheet"] == "Posts"
    assert report["carried_columns"]["likes"] == "int64"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["selected"] == 3
