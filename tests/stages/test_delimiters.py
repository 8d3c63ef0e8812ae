"""Delimiters: sniffed from the header (comma, semicolon, tab, pipe) or set with input.delimiter;
a header that only splits on another delimiter gets a hint naming input.delimiter."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import iter_post_batches
from emobatch.stages.filter import run_filter

ROWS = [["s1", "쉼표, 그대로 둔 글", "3"], ["s2", "plain text", "4"]]


def read_all(path: Path, **kwargs) -> pa.Table:
    kwargs.setdefault("id_column", "post_id")
    kwargs.setdefault("text_column", "text")
    return pa.Table.from_batches(list(iter_post_batches(path, **kwargs)))


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed_from_the_header(
    tmp_path: Path, write_csv, delimiter: str
) -> None:
    path = write_csv(
        tmp_path / "posts.csv", ROWS, header=["post_id", "text", "likes"], delimiter=delimiter
    )
    table = read_all(path)
    assert table.column_names == ["post_id", "text", "source_row", "likes"]
    assert table.column("text").to_pylist() == ["쉼표, 그대로 둔 글", "plain text"]


@pytest.mark.parametrize("setting", [";", "semicolon"])
def test_an_explicit_delimiter_is_honoured(tmp_path: Path, write_csv, setting: str) -> None:
    path = write_csv(
        tmp_path / "posts.csv", ROWS, header=["post_id", "text", "likes"], delimiter=";"
    )
    assert read_all(path, delimiter=setting).column("likes").to_pylist() == ["3", "4"]


def test_a_header_that_splits_on_another_delimiter_names_input_delimiter(
    tmp_path: Path, write_csv
) -> None:
    path = write_csv(
        tmp_path / "posts.csv", ROWS, header=["post_id", "text", "likes"], delimiter=";"
    )
    with pytest.raises(InputDataError) as info:
        read_all(path, delimiter=",")
    message = str(info.value)
    assert "no column 'post_id'" in message and "'post_id;text;likes'" in message
    assert "set input.delimiter to ';'" in message
    assert "set input.id_column" not in message


def test_a_sniffed_header_still_names_the_missing_column(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", ROWS, header=["id", "text", "likes"], delimiter=";")
    with pytest.raises(InputDataError) as info:
        read_all(path)
    message = str(info.value)
    assert "columns found: 'id', 'text', 'likes'" in message
    assert "set input.id_column" in message


def test_the_filter_report_names_the_delimiter(make_settings, tmp_path: Path, write_csv) -> None:
    path = write_csv(
        tmp_path / "posts.csv", ROWS, header=["post_id", "text", "likes"], delimiter="|"
    )
    out = tmp_path / "out"
    run_filter(
        make_settings(path),
        "full",
        analysis="adelim000001",
        out_selected=out / "selected.parquet",
        out_report=out / "report.json",
        out_dropped=out / "dropped.parquet",
    )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["input"]["delimiter"] == "|" and report["population"] == 2


@pytest.mark.parametrize("batch_rows", [1024, 2048, 999])
def test_batches_of_a_multiple_of_the_row_buffer_chunk(tmp_path: Path, batch_rows: int) -> None:
    """A batch size that is a multiple of the row buffer's 1,024-row chunk once crashed
    ('zip() argument 2 is shorter'): every row must come back, in order, once."""
    path = tmp_path / "posts.csv"
    n = 2 * batch_rows + 5
    path.write_text(
        "post_id,text\n" + "".join(f"p{i},글 {i}\n" for i in range(n)), encoding="utf-8"
    )
    batches = list(
        iter_post_batches(path, id_column="post_id", text_column="text", batch_rows=batch_rows)
    )
    assert [b.num_rows for b in batches] == [batch_rows, batch_rows, 5]
    ids = pa.Table.from_batches(batches)["post_id"].to_pylist()
    assert ids == [f"p{i}" for i in range(n)]
