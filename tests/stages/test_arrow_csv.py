"""The fast CSV reader (pyarrow parses, the strict csv reader checks alongside) yields exactly
what the strict reader yields, takes the fast path on well-formed files, and hands every doubt
to the strict reader, which words the error with its row and line."""

from __future__ import annotations

import csv
import io
import logging
import random
from pathlib import Path

import pyarrow as pa
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import arrow_csv
from emobatch.posts.arrow_csv import iter_csv, rows_with_line_breaks
from emobatch.posts.delimited import _iter_csv

FALLBACK = "strict reader from record"


def outcome(reader, path: Path, codec: str = "utf-8", delimiter: str = ",", **kw):
    """The table a reader yields, or the message of the error it raises."""
    try:
        batches = list(
            reader(
                path,
                "post_id",
                "text",
                kw.pop("batch_rows", 7),
                codec=codec,
                delimiter=delimiter,
                **kw,
            )
        )
    except InputDataError as exc:
        return f"error: {exc}"
    return pa.Table.from_batches(batches).combine_chunks()


def both(path: Path, **kw):
    fast, slow = outcome(iter_csv, path, **kw), outcome(_iter_csv, path, **kw)
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
    else:
        assert fast.equals(slow), (fast.to_pylist()[:3], slow.to_pylist()[:3])
    return fast


WELL_FORMED = {
    "plain": "post_id,text,likes\np1,좋다,1\np2,싫다,2\n",
    "crlf_bom": '\ufeffpost_id,text\r\np1,"여러 줄\r\n텍스트"\r\np2,ok\r\n',
    "quotes": 'post_id,text\np1,"a, b ""c"" d"\np2,ab"c\np3,""\np4, "x"\n',
    "blank_lines": "post_id,text\n\np1,one\n\n\np2,two\n",
    "multi_line": 'post_id,text,n\np1,"line one\nline two\n\nline four",3\np2,"x\ry",4\n',
    "no_final_newline": "post_id,text\np1,last",
    "empty_fields": "post_id,text,a,b\np1,,,\np2,t,,x\n",
    "emoji_zwj": "post_id,text\np1,👨\u200d👩\u200d👧 가족\np2,\u3000공백\u3000\n",
}


@pytest.mark.parametrize("name", sorted(WELL_FORMED))
def test_well_formed_files_are_read_fast_and_the_same(name: str, tmp_path: Path, caplog) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(WELL_FORMED[name].encode("utf-8"))
    codec = "utf-8-sig" if name == "crlf_bom" else "utf-8"
    with caplog.at_level(logging.DEBUG, logger="emobatch.posts"):
        table = both(path, codec=codec)
    assert not isinstance(table, str) and table.num_rows >= 1
    assert FALLBACK not in caplog.text


def test_tsv_and_semicolons_take_the_fast_path(tmp_path: Path, caplog) -> None:
    for delimiter in ("\t", ";", "|"):
        path = tmp_path / "posts.txt"
        path.write_text(f'post_id{delimiter}text\np1{delimiter}"a{delimiter}b"\n', "utf-8")
        with caplog.at_level(logging.DEBUG, logger="emobatch.posts"):
            table = both(path, delimiter=delimiter)
        assert table.column("text").to_pylist() == [f"a{delimiter}b"]
    assert FALLBACK not in caplog.text


BAD = {
    "text_after_closing_quote": 'post_id,text\np1,ok\np2,"Hello" she said\n',
    "never_closed": 'post_id,text\np1,ok\np2,"opens\np3,more\n',
    "runaway": 'post_id,text,n\nr1,a,1\nr2,"open,2\nr3,own,3\nr4,close",4\nr5,b,5\n',
    "short_row": "post_id,text,n\np1,a,1\np2,b\n",
    "long_row": "post_id,text\np1,a\np2,b,c\n",
    "whitespace_line": "post_id,text\np1,a\n   \np2,b\n",
    "blank_id": "post_id,text\np1,a\n  ,b\n",
    "header_only": "post_id,text\n",
    "missing_column": "post_id,body\np1,a\n",
    "blank_line_before_header": "\npost_id,text\np1,a\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_doubt_gives_the_strict_readers_answer(name: str, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(BAD[name], encoding="utf-8")
    result = both(path)
    if name != "blank_line_before_header":  # the strict reader skips it and reads on
        assert isinstance(result, str) and str(path) in result


def test_an_error_far_down_names_its_row_after_fast_batches(tmp_path: Path, monkeypatch) -> None:
    """Batches were handed on before the doubt: the strict reader skips them and words the
    error with the right row and line."""
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 4096)
    rows = [f"p{i},post number {i}" for i in range(1, 3001)]
    rows[2500] = 'p2501,"Hello" she said'
    path = tmp_path / "posts.csv"
    path.write_text("post_id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    seen = []
    with pytest.raises(InputDataError) as info:
        for batch in iter_csv(path, "post_id", "text", 500, codec="utf-8", delimiter=","):
            seen.extend(batch.column("source_row").to_pylist())
    assert "row 2501 (starting on line 2502)" in str(info.value)
    assert seen == list(range(1, len(seen) + 1)) and 0 < len(seen) <= 2500


def test_a_doubt_without_an_error_reads_on_without_repeating_rows(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 4096)
    real = arrow_csv._arrow_batches

    def doubting(*args):
        for n, batch in enumerate(real(*args)):
            if n == 3:
                raise arrow_csv._Doubt("forced by the test")
            yield batch

    monkeypatch.setattr(arrow_csv, "_arrow_batches", doubting)
    path = tmp_path / "posts.csv"
    lines = [f'p{i},"post {i}\nsecond line, {i}"' for i in range(2000)]
    path.write_text("post_id,text\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="emobatch.posts"):
        table = both(path, batch_rows=300)
    assert FALLBACK in caplog.text and "forced by the test" in caplog.text
    assert table.column("source_row").to_pylist() == list(range(1, 2001))
    assert table.column("post_id").to_pylist() == [f"p{i}" for i in range(2000)]


def test_random_csv_reads_the_same_both_ways(tmp_path: Path, caplog) -> None:
    """csv.writer output of random values (quotes, delimiters, line breaks, Korean, emoji):
    the fast reader's table or error equals the strict reader's, file after file, and every
    file the strict reader accepts was read on the fast path. (csv.writer leaves a lone
    ``\\r`` unquoted when the line ends are ``\\n``: those files are errors both ways.)"""
    rng = random.Random(20261203)
    alphabet = ['"', ",", "\n", "\r\n", "\r", " ", "a", "1", "가", "😀", ";", "\t", "x,y"]
    read = 0
    for n in range(40):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator=rng.choice(["\n", "\r\n"]))
        writer.writerow(["post_id", "text", "extra"])
        for i in range(rng.randint(1, 60)):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            writer.writerow([f"q{i:03d}", text, rng.choice(["", "1", "q999,z,3"])])
        path = tmp_path / f"random-{n}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="emobatch.posts"):
            result = both(path, batch_rows=rng.randint(1, 9))
        if not isinstance(result, str):
            read += 1
            assert FALLBACK not in caplog.text, path.read_text("utf-8")
    assert read >= 20  # most files are well-formed


def test_rows_with_line_breaks_reads_offsets_of_sliced_columns() -> None:
    column = pa.array(["a", "b\nc", "", "d\re", "f", "\n"], pa.string())
    assert rows_with_line_breaks(column).tolist() == [1, 3, 5]
    assert rows_with_line_breaks(column.slice(2, 3)).tolist() == [1]
    assert rows_with_line_breaks(pa.array(["", ""], pa.string())).tolist() == []
    assert rows_with_line_breaks(pa.array([], pa.string())).tolist() == []
    large = pa.array(["x", "y\r\n", "가\n나", "z"], pa.large_string()).slice(1)
    assert rows_with_line_breaks(large).tolist() == [0, 1]


@pytest.mark.parametrize("id_index", [0, 1, 2])
def test_strict_ids_reads_the_ids_the_csv_reader_reads(tmp_path: Path, id_index: int) -> None:
    from emobatch.posts.arrow_csv import strict_ids

    text = (
        'a1,b1,c1\n\r\n\ra2,"b\n2",c2\r\n\n"a,3",b3,"c""3"\ra4,b"4,c4\r'
        'a5,b5,"multi\r\nline"\na6,,\n'
    )
    path = tmp_path / "posts.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with open(path, encoding="utf-8", newline="") as fh:
        expected = [f[id_index] for f in csv.reader(fh, strict=True) if f]
    with open(path, encoding="utf-8", newline="") as fh:
        first = strict_ids(fh, 2, ",", id_index)
        rest = strict_ids(fh, 100, ",", id_index)
        assert strict_ids(fh, 100, ",", id_index) == []
    assert first + rest == expected and len(first) == 2 and len(expected) == 6


@pytest.mark.parametrize("text", ['x,"closed" then text\n', 'x,"never closed\nmore\n'])
def test_strict_ids_raises_where_the_csv_reader_raises(tmp_path: Path, text: str) -> None:
    from emobatch.posts.arrow_csv import strict_ids

    path = tmp_path / "posts.csv"
    path.write_text("ok,1\n" + text, encoding="utf-8", newline="")
    with open(path, encoding="utf-8", newline="") as fh, pytest.raises(csv.Error):
        strict_ids(fh, 10, ",", 0)
