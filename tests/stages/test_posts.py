"""Reading posts: every format, the batch layout, and errors that name file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import CarriedTypes, detect_format, iter_post_batches

KOREAN = "오늘 진짜 행복해 ㅋㅋㅋ 😀"
MULTILINE = '첫 줄\n둘째 줄, "따옴표" 포함'


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


# --- formats ---------------------------------------------------------------------------------


def test_csv_layout_korean_and_quoted_line_breaks(tmp_path: Path, write_csv) -> None:
    path = write_csv(
        tmp_path / "posts.csv",
        [["a1", KOREAN, "3"], ["a2", MULTILINE, ""]],
        header=["post_id", "text", "likes"],
    )
    table = read_all(path)
    assert table.column_names == ["post_id", "text", "source_row", "likes"]
    assert table.schema.field("source_row").type == pa.int64()
    assert table.to_pylist() == [
        {"post_id": "a1", "text": KOREAN, "source_row": 1, "likes": "3"},
        {"post_id": "a2", "text": MULTILINE, "source_row": 2, "likes": ""},
    ]


def test_csv_with_bom_and_crlf(tmp_path: Path, write_csv) -> None:
    path = write_csv(
        tmp_path / "excel.csv",
        [["1", "줄\r\n바꿈"], ["2", "ok"]],
        encoding="utf-8-sig",
        lineterminator="\r\n",
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbfpost_id")
    table = read_all(path)
    assert table.column("post_id").to_pylist() == ["1", "2"]
    assert table.column("text").to_pylist() == ["줄\r\n바꿈", "ok"]


def test_tsv(tmp_path: Path, write_csv) -> None:
    path = write_csv(
        tmp_path / "posts.tsv", [["1", "탭\t포함"], ["2", "쉼표, 그대로"]], delimiter="\t"
    )
    table = read_all(path)
    assert table.column("text").to_pylist() == ["탭\t포함", "쉼표, 그대로"]
    assert detect_format(path) == "tsv"


def test_csv_ids_stay_text(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", [["007", "a"], ["1e3", "b"]])
    assert read_all(path).column("post_id").to_pylist() == ["007", "1e3"]


def test_parquet_keeps_native_types_and_casts_integer_ids(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array([10, 11], pa.int64()),
                "body": [KOREAN, None],
                "likes": pa.array([1, 2], pa.int32()),
                "score": [0.5, 1.5],
                "text_chars": ["x", "y"],
            }
        ),
        path,
    )
    table = read_all(path, id_column="id", text_column="body")
    assert table.column_names == [
        "post_id",
        "text",
        "source_row",
        "likes",
        "score",
        "input_text_chars",
    ]
    assert table.column("post_id").to_pylist() == ["10", "11"]
    assert table.column("text").to_pylist() == [KOREAN, None]
    assert table.schema.field("likes").type == pa.int32()
    assert table.column("source_row").to_pylist() == [1, 2]


def test_parquet_whole_float_ids_and_large_strings(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(
        pa.table({"post_id": [1.0, 2.0], "text": pa.array(["a", "b"], pa.large_string())}), path
    )
    table = read_all(path)
    assert table.column("post_id").to_pylist() == ["1", "2"]
    assert table.schema.field("text").type == pa.string()


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [
        {"post_id": 1, "text": KOREAN, "likes": 3, "meta": {"a": [1, 2]}},
        {"post_id": "2", "text": MULTILINE, "flag": True},
    ]
    path.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines[:1])
        + "\n\n"
        + json.dumps(lines[1])
        + "\n",
        encoding="utf-8",
    )
    table = read_all(path)
    assert table.column_names == ["post_id", "text", "source_row", "likes", "meta", "flag"]
    assert table.to_pylist() == [
        {
            "post_id": "1",
            "text": KOREAN,
            "source_row": 1,
            "likes": "3",
            "meta": '{"a":[1,2]}',
            "flag": None,
        },
        {
            "post_id": "2",
            "text": MULTILINE,
            "source_row": 3,
            "likes": None,
            "meta": None,
            "flag": "true",
        },
    ]


def test_batches_are_bounded(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", [[str(i), f"post {i}"] for i in range(25)])
    batches = list(iter_post_batches(path, id_column="post_id", text_column="text", batch_rows=10))
    assert [b.num_rows for b in batches] == [10, 10, 5]
    rows = [r for b in batches for r in b.column("source_row").to_pylist()]
    assert rows == list(range(1, 26))


def test_reserved_column_names_get_a_prefix(tmp_path: Path, write_csv) -> None:
    path = write_csv(
        tmp_path / "posts.csv",
        [["1", "a", "x", "y", "z"]],
        header=["id", "body", "post_id", "source_row", "input_post_id"],
    )
    table = read_all(path, id_column="id", text_column="body")
    assert table.column_names == [
        "post_id",
        "text",
        "source_row",
        "input_input_post_id",
        "input_source_row",
        "input_post_id",
    ]
    assert table.column("input_post_id").to_pylist() == ["z"]


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [
        ("a.csv", "auto", "csv"),
        ("a.CSV", "auto", "csv"),
        ("a.tsv", "auto", "tsv"),
        ("a.parquet", "auto", "parquet"),
        ("a.jsonl", "auto", "jsonl"),
        ("a.ndjson", "auto", "jsonl"),
        ("a.txt", "tsv", "tsv"),
    ],
)
def test_detect_format(name: str, fmt: str, expected: str) -> None:
    assert detect_format(name, fmt) == expected


# --- errors --------------------------------------------------------------------------------


def test_missing_id_column_lists_the_columns(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", [["1", "a"]], header=["id", "text"])
    message = error_of(path)
    assert "no column 'post_id'" in message and "columns found: 'id', 'text'" in message
    assert "set input.id_column" in message


def test_missing_text_column(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", [["1", "a"]], header=["post_id", "body"])
    message = error_of(path)
    assert "no column 'text'" in message and "set input.text_column" in message


def test_missing_ids_name_the_rows(tmp_path: Path, write_csv) -> None:
    path = write_csv(tmp_path / "posts.csv", [["1", "a"], ["", "b"], ["3", "c"], [" ", "d"]])
    message = error_of(path)
    assert "column 'post_id' (input.id_column) is empty in row(s) 2 (line 3), 4 (line 5)" in message


def test_error_rows_name_the_line_a_text_editor_shows(tmp_path: Path) -> None:
    # header on line 1; row 1 spans lines 2-3, row 3 lines 5-7; blank lines 9-10 are skipped
    body = '1,"two\nlines"\n{}\n3,"three\r\n\r\nlines"\n{}\n\n\n5,after two blank lines\n'
    path = tmp_path / "posts.csv"
    path.write_text("post_id,text\n" + body.format(",b", " ,d"), encoding="utf-8")
    assert "is empty in row(s) 2 (line 4), 4 (line 8)" in error_of(path)
    path.write_text("post_id,text\n" + body.format("2,b", "4,d") + "6\n", encoding="utf-8")
    assert "row 6 (starting on line 12) has 1 fields where the header has 2" in error_of(path)


def test_invalid_utf8_names_row_and_column_and_suggests_iconv(tmp_path: Path) -> None:
    path = tmp_path / "cp949.csv"
    path.write_bytes(b"post_id,text\n1,ok\n2," + "안녕".encode("cp949") + b"\n")
    message = error_of(path, encoding="utf-8")  # (auto reads this file as CP949)
    assert "row 2, column 'text'" in message and "not valid UTF-8" in message
    assert "iconv -f cp949 -t utf-8" in message


def test_invalid_utf8_in_the_header(tmp_path: Path) -> None:
    path = tmp_path / "cp949.csv"
    path.write_bytes("번호,text\n".encode("cp949") + b"1,a\n")
    assert "header line is not valid UTF-8" in error_of(path, encoding="utf-8")


def test_unbalanced_quote_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        'post_id,text,likes\n1,"ok\nstill ok",1\n2,"never closed,2\n3,c,3\n', encoding="utf-8"
    )
    message = error_of(path)
    assert "row 2 (starting on line 4)" in message and "unbalanced double quote" in message


def test_short_row_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("post_id,text,likes\n1,a,1\n2,b\n", encoding="utf-8")
    assert "row 2 (starting on line 3) has 2 fields where the header has 3" in error_of(path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(b"")
    assert "is empty (0 bytes)" in error_of(path)


@pytest.mark.parametrize("name", ["posts.csv", "posts.parquet"])
def test_header_only(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("post_id,text\n", encoding="utf-8")
    else:
        pq.write_table(
            pa.table({"post_id": pa.array([], pa.string()), "text": pa.array([], pa.string())}),
            path,
        )
    assert "has a header but no rows" in error_of(path)


def test_compressed_file(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv.gz"
    path.write_bytes(b"\x1f\x8b")
    assert "gunzip -k" in error_of(path, fmt="csv")


def test_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in error_of(tmp_path / "nope.csv")


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "posts.numbers"
    path.write_bytes(b"PK")
    message = error_of(path)
    assert "cannot tell the format" in message and "set input.format" in message
    with pytest.raises(InputDataError, match="unknown format 'xml'"):
        read_all(tmp_path / "posts.csv", fmt="xml")


def test_parquet_float_ids_with_nan(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(
        pa.table({"post_id": [1.0, float("nan"), 3.0, None], "text": ["a", "b", "c", "d"]}), path
    )
    message = error_of(path)
    assert "column 'post_id' (input.id_column) is missing (null or NaN) in row(s) 2, 4" in message


def test_parquet_fractional_float_ids(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(pa.table({"post_id": [1.0, 2.5], "text": ["a", "b"]}), path)
    assert "is not a whole number in row(s) 2" in error_of(path)


def test_parquet_text_of_the_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(pa.table({"post_id": ["1"], "text": [3]}), path)
    message = error_of(path)
    assert "column 'text' (input.text_column) must be a string column (found int64)" in message


def test_parquet_id_of_the_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    pq.write_table(pa.table({"post_id": [True], "text": ["a"]}), path)
    message = error_of(path)
    assert "column 'post_id' (input.id_column) must be text or integer (found bool)" in message


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "posts.parquet"
    path.write_text("post_id,text\n1,a\n", encoding="utf-8")
    assert "is not a readable Parquet file" in error_of(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"post_id": 1, "text": "a"}\n{"post_id": 2, "text": \n', "line 2 is not valid JSON"),
        (b'{"post_id": 1, "text": "a"}\n[1, 2]\n', "line 2 is a JSON list, not an object"),
        (b'{"post_id": 1, "text": "\xb0\xa1"}\n', "line 1 is not valid UTF-8"),
        (
            b'{"post_id": 1, "text": "a"}\n{"post_id": 2, "text": "\\ud83d"}\n',
            "line 2, column 'text' has a broken \\u escape",
        ),
        (b'{"id": 1, "text": "a"}\n', "no column 'post_id' (columns found: 'id', 'text')"),
    ],
)
def test_jsonl_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes(content)
    assert message in error_of(path)


# --- carried column types ----------------------------------------------------------------------


def test_carried_types() -> None:
    columns = {
        "ints": ["1", "", "-3"],
        "floats": ["1.5", "2", ""],
        "bools": ["true", "False", ""],
        "texts": ["1", "two", ""],
        "zeros": ["007", "1", "2"],
        "huge": ["12345678901234567890", "1", "2"],
        "empty": ["", "", ""],
    }
    batch = pa.RecordBatch.from_pydict(columns)
    typer = CarriedTypes(list(columns))
    typer.update(batch.slice(0, 1))
    typer.update(batch.slice(1))
    assert {k: str(v) for k, v in typer.types().items()} == {
        "ints": "int64",
        "floats": "double",
        "bools": "bool",
        "texts": "string",
        "zeros": "string",
        "huge": "string",
        "empty": "string",
    }
    assert typer.cast("ints", batch.column("ints")).to_pylist() == [1, None, -3]
    assert typer.cast("bools", batch.column("bools")).to_pylist() == [True, False, None]
    assert typer.cast("texts", batch.column("texts")).to_pylist() == ["1", "two", ""]
