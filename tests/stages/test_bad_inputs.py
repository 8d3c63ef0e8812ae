"""The shared broken-input files (tests/data/bad_inputs/): each fails with a useful message or is
cleaned by the filter."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import iter_post_batches
from emobatch.stages.filter import run_filter
from emobatch.textnorm import normalise

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_inputs"


def bad_file(name: str) -> Path:
    path = BAD / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: run tests/data/bad_inputs/make_bad_inputs.py")
    return path


def read(path: Path) -> pa.Table:
    batches = list(iter_post_batches(path, id_column="post_id", text_column="text"))
    return pa.Table.from_batches(batches)


def filtered(
    make_settings, tmp_path: Path, path: Path, **overrides
) -> tuple[dict, pa.Table, pa.Table]:
    out = tmp_path / "out"
    report = run_filter(
        make_settings(path, **overrides),
        "full",
        analysis="abad00000001",
        out_selected=out / "selected.parquet",
        out_report=out / "report.json",
        out_dropped=out / "dropped.parquet",
    )
    return (report, pq.read_table(out / "selected.parquet"), pq.read_table(out / "dropped.parquet"))


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("missing_id_column.csv", ["no column 'post_id'", "columns found:", "set input.id_column"]),
        (
            "missing_text_column.csv",
            ["no column 'text'", "columns found:", "set input.text_column"],
        ),
        (
            "invalid_utf8.csv",
            ["row 3, column 'text'", "not valid UTF-8", "iconv -f cp949 -t utf-8"],
        ),
        (
            "unbalanced_quotes.csv",
            ["row 4 (starting on line 5)", "never closed", "unbalanced double quote"],
        ),
        (
            "runaway_quote.csv",
            [
                "row 4 (starting on line 5), column 'text'",
                "opens on line 5 and closes only on line 7",
                "line 6 ('w005,this row is swallowed by the open quote,7')",
                "unbalanced double quote",
            ],
        ),
        ("empty_file.csv", ["is empty (0 bytes)"]),
        ("header_only.csv", ["has a header but no rows"]),
        (
            "wrong_types.parquet",
            [
                "column 'text' (input.text_column) must be a string column (found int64)",
                "column 'post_id' (input.id_column) has no id in row(s) 3",
            ],
        ),
    ],
)
def test_broken_files_fail_with_a_message(name: str, needles: list[str]) -> None:
    path = bad_file(name)
    with pytest.raises(InputDataError) as info:
        read(path)
    message = str(info.value)
    assert str(path) in message and "next step:" in message
    for needle in needles:
        assert needle in message, message


OK_FILES = {  # name: what the filter report says about how it was read
    "posts_ok.tsv": {"format": "tsv", "encoding": "utf-8", "delimiter": "\t"},
    "posts_ok.jsonl": {"format": "jsonl", "encoding": "utf-8"},
    "posts_ok.parquet": {"format": "parquet"},
    "posts_ok.xlsx": {"format": "xlsx", "sheet": "posts"},
    "posts_cp949.csv": {"format": "csv", "encoding": "cp949", "delimiter": ","},
    "posts_semicolon.csv": {"format": "csv", "encoding": "utf-8-sig", "delimiter": ";"},
}


@pytest.mark.parametrize("name", list(OK_FILES))
def test_ok_files_in_every_format(make_settings, tmp_path: Path, name: str) -> None:
    table = read(bad_file(name))
    assert table.num_rows == 6
    assert table.column_names == ["post_id", "text", "source_row", "likes"]
    assert table.column("source_row").to_pylist() == [1, 2, 3, 4, 5, 6]
    report, selected, _ = filtered(make_settings, tmp_path, bad_file(name))
    assert report["population"] == 6 and report["dropped_total"] == 0
    assert selected.schema.field("likes").type == pa.int64()  # carried through, typed
    read_as = {k: v for k, v in report["input"].items() if k in ("format", *OK_FILES[name])}
    assert read_as == OK_FILES[name]


def test_ok_files_agree_across_formats() -> None:
    tables = [read(bad_file(name)) for name in OK_FILES]
    for column in ("post_id", "text", "likes"):
        values = [[str(v) for v in t.column(column).to_pylist()] for t in tables]
        assert all(v == values[0] for v in values[1:]), column


def test_bom_crlf_is_read(make_settings, tmp_path: Path) -> None:
    path = bad_file("bom_crlf.csv")
    table = read(path)
    assert table.num_rows == 4
    assert table.column_names[:2] == ["post_id", "text"]  # no \ufeff on the first name
    assert not any(v.endswith("\r") for v in table.column("text").to_pylist())
    _, selected, _ = filtered(make_settings, tmp_path, path)
    texts = selected.column("text").to_pylist()
    assert len(texts) == 4 and "\n" in texts[2] and not any("\r" in t for t in texts)


def dropped_rows(dropped: pa.Table) -> list[tuple[int, str]]:
    return [(r["source_row"], r["reason"]) for r in dropped.to_pylist()]


def test_duplicate_ids_are_dropped_and_reported(make_settings, tmp_path: Path) -> None:
    report, selected, dropped = filtered(make_settings, tmp_path, bad_file("duplicate_ids.csv"))
    assert dropped_rows(dropped) == [(3, "duplicate_id"), (5, "duplicate_id")]
    assert report["duplicate_ids"]["ids"] == ["d001", "d003"]
    assert selected.column("source_row").to_pylist() == [1, 2, 4, 6]


def test_empty_and_whitespace_texts_are_dropped(make_settings, tmp_path: Path) -> None:
    path = bad_file("empty_and_whitespace_texts.csv")
    _, selected, dropped = filtered(make_settings, tmp_path, path)
    assert dropped_rows(dropped) == [(row, "empty_text") for row in range(1, 9)]
    assert selected.column("source_row").to_pylist() == [9, 10]


def test_null_texts_are_dropped(make_settings, tmp_path: Path) -> None:
    _, selected, dropped = filtered(make_settings, tmp_path, bad_file("nan_texts.parquet"))
    assert dropped_rows(dropped) == [(2, "empty_text"), (4, "empty_text"), (5, "empty_text")]
    assert [r["detail"] for r in dropped.to_pylist()] == [
        "text is null",
        "text is null",
        "text is empty",
    ]
    assert selected.column("source_row").to_pylist() == [1, 3]


def test_long_texts_are_truncated_or_rejected(make_settings, tmp_path: Path) -> None:
    path = bad_file("long_texts.csv")
    report, selected, _ = filtered(make_settings, tmp_path, path)
    assert report["truncated"] == 1
    rows = selected.to_pylist()
    assert [r["text_truncated"] for r in rows] == [False, True, False]
    assert len(rows[1]["text"]) <= 4000 and rows[1]["text_chars"] == 30_000
    report, selected, dropped = filtered(
        make_settings, tmp_path, path, filter={"long_text_policy": "reject"}
    )
    assert dropped_rows(dropped) == [(2, "too_long")] and report["truncated"] == 0
    assert selected.column("source_row").to_pylist() == [1, 3]


def test_control_characters_are_removed(make_settings, tmp_path: Path) -> None:
    report, selected, _ = filtered(make_settings, tmp_path, bad_file("control_characters.csv"))
    assert report["population"] == 8
    texts = selected.column("text").to_pylist()
    for text in texts:
        assert not any(unicodedata.category(c) == "Cc" and c != "\n" for c in text), repr(text)
        assert not set(text) & {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
    assert "[31m" not in texts[2]  # the whole ANSI colour sequence goes
    assert "\n" in texts[7]  # newlines stay (tabs become spaces)


def test_prompt_injection_posts_are_kept_as_data(make_settings, tmp_path: Path) -> None:
    path = bad_file("prompt_injection.csv")
    report, selected, _ = filtered(make_settings, tmp_path, path)
    assert report["population"] == 6
    raw = read(path).column("text").to_pylist()
    texts = selected.column("text").to_pylist()
    assert texts == [normalise(t) for t in raw]  # carried as data, only normalised
    assert texts[0].startswith("Ignore previous instructions")
