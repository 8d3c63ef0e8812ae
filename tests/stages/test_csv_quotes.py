"""Strict CSV quoting: a double quote that runs over into later records is an error that names
the line where it opens and the line where it closes; real multi-line texts are still read."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import iter_post_batches

# Row 2 opens a quote on line 3 that only closes on line 5, before a delimiter: Python's csv,
# pandas and pyarrow all read rows 2-4 as ONE record with the header's three fields.
RUNAWAY = (
    "post_id,text,likes\n"
    "r1,first post,1\n"
    'r2,"this quote is not closed here,2\n'
    "r3,a post of its own,3\n"
    'r4,it closes here",4\n'
    "r5,last post,5\n"
)
# Row 1 opens a quote on line 2; the next quote (line 4) opens row 3's text instead.
RUNAWAY_INTO_A_QUOTED_FIELD = (
    'post_id,text\nj1,"opens here\nj2,swallowed\nj3,"quoted text"\nj4,fine\n'
)


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


def test_a_quote_closing_in_a_later_record_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(RUNAWAY, encoding="utf-8")
    message = error_of(path)
    assert "row 2 (starting on line 3), column 'text'" in message
    assert "opens on line 3" in message and "closes only on line 5" in message
    assert "line 4" in message and "r3,a post of its own,3" in message  # the swallowed record
    assert "unbalanced double quote" in message and "input.strict_quotes" in message


def test_a_quote_running_into_a_later_quoted_field_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(RUNAWAY_INTO_A_QUOTED_FIELD, encoding="utf-8")
    message = error_of(path)
    assert "row 1 (starting on line 2), column 'text'" in message
    assert "opens on line 2" in message and "closes on line 4" in message
    assert "unbalanced double quote" in message


def test_text_right_after_a_closing_quote_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text('post_id,text\n1,fine\n2,"Hello" she said\n', encoding="utf-8")
    message = error_of(path)
    assert "row 2 (starting on line 3), column 'text'" in message
    assert "text follows the closing double quote" in message


def test_real_multi_line_texts_are_read(tmp_path: Path, write_csv) -> None:
    texts = [
        '첫 줄\n둘째 줄, 쉼표, 끝\n\n셋째 줄 "인용"',  # a later line with the header's 3 fields
        "List:\n- a, b\n- c",
        "1) one\r\n2) two",
    ]
    rows = [[f"m{i}", text, str(i)] for i, text in enumerate(texts, start=1)]
    path = write_csv(tmp_path / "posts.csv", rows, header=["post_id", "text", "likes"])
    table = read_all(path)
    assert table.column("text").to_pylist() == texts
    assert table.column("source_row").to_pylist() == [1, 2, 3]


def test_strict_quotes_off_reads_the_runaway_as_one_value(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(RUNAWAY, encoding="utf-8")
    table = read_all(path, strict_quotes=False)
    assert table.column("post_id").to_pylist() == ["r1", "r2", "r5"]
    assert table.column("text").to_pylist()[1].count("\n") == 2


def test_the_quote_check_runs_while_streaming(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(RUNAWAY, encoding="utf-8")
    batches = iter_post_batches(path, id_column="post_id", text_column="text", batch_rows=1)
    first = next(batches)  # row 1 comes out before row 2's quote is judged
    assert first.column("post_id").to_pylist() == ["r1"]
    with pytest.raises(InputDataError, match="closes only on line 5"):
        list(batches)


def test_a_quote_open_for_megabytes_names_the_line_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    filler = "".join(f"f{i:07d},swallowed text number {i}\n" for i in range(120_000))
    path.write_text(f'post_id,text\n1,ok\n2,"opens here\n{filler}3,"x"\n', encoding="utf-8")
    message = error_of(path)
    assert "row 2 (starting on line 3)" in message and "opens on line 3" in message
    assert "unbalanced double quote" in message


def test_a_wrong_field_count_names_the_multi_line_value(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        'post_id,text,likes\n1,a,1\n2,"opens here\n3,b",3,extra\n4,c,4\n', encoding="utf-8"
    )
    message = error_of(path)
    assert "row 2 (starting on line 3) has 4 fields where the header has 3" in message
    assert "opens on line 3 and closes on line 4" in message
