"""Reading human codes: sheets and long files, label checks, row numbers, encodings, duplicates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from emobatch.codebook import Codebook
from emobatch.errors import EmobatchError, InputDataError
from emobatch.validation import ValidationDataError, read_human_codes, write_sheet
from tests.validation.conftest import MakeResults

KNOWN = {f"p{i}" for i in range(1, 10)}


def _write(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", sep: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=sep).writerows(rows)
    return path


def test_filled_sheets_csv_and_xlsx(
    tmp_path: Path, codebook: Codebook, make_results: MakeResults
) -> None:
    results = make_results(["joy", "anger", "fear", "neutral", "sadness"])
    write_sheet(
        results,
        codebook,
        tmp_path / "kim.csv",
        tmp_path / "lee.xlsx",
        size=5,
        seed=1,
        intensities=True,
    )
    with open(tmp_path / "kim.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        r[2], r[3], r[4] = "joy", "positive", "0.7"
    with open(tmp_path / "kim.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    book = load_workbook(tmp_path / "lee.xlsx")
    ws = book["coding"]
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=3, value="분노")
        ws.cell(row=r, column=5, value=0.25)
    book.save(tmp_path / "lee.xlsx")
    ids = {r[0] for r in rows[1:]}
    codes = read_human_codes([tmp_path / "kim.csv", tmp_path / "lee.xlsx"], codebook, ids)
    assert codes.coders == ("kim", "lee")
    assert codes.posts == tuple(sorted(ids))
    assert codes.labels["primary_emotion"]["kim"] == dict.fromkeys(ids, "joy")
    assert codes.labels["primary_emotion"]["lee"] == dict.fromkeys(ids, "anger")
    assert codes.labels["sentiment"] == {"kim": dict.fromkeys(ids, "positive")}
    assert codes.intensities["joy"] == {
        "kim": dict.fromkeys(ids, 0.7),
        "lee": dict.fromkeys(ids, 0.25),
    }
    assert "trust" not in codes.intensities  # nobody rated it
    assert codes.unknown_posts == ()


def test_typo_names_file_row_and_value(tmp_path: Path, codebook: Codebook) -> None:
    path = _write(tmp_path / "kim.csv", [
        ["post_id", "text", "primary_emotion", "sentiment"],
        ["p1", "좋아", "joy", "positive"],
        ["p2", "첫 줄\n둘째 줄", "anger", ""],
        ["p3", "헐", "joyy", ""],
    ])  # fmt: skip
    with pytest.raises(ValidationDataError) as info:
        read_human_codes([path], codebook, KNOWN)
    message = str(info.value)
    assert (
        f"{path}, row 4 (line 5), column primary_emotion: 'joyy' is not a codebook label" in message
    )
    assert "joy, trust, fear, surprise, sadness, disgust, anger, anticipation, neutral" in message
    assert isinstance(info.value, InputDataError) and isinstance(info.value, EmobatchError)


def test_case_whitespace_korean_and_empty_cells(tmp_path: Path, codebook: Codebook) -> None:
    path = _write(tmp_path / "park.csv", [
        ["Post_ID ", " PRIMARY_EMOTION", "Sentiment", "note"],
        ["p1", "  JOY ", "긍정", "x"],
        ["p2", "기쁨", " Negative", ""],
        ["p3", " 중립", "", "only the emotion"],
        ["p4", "", "neutral", "only the sentiment"],
        ["p5", "", "", "not coded"],
        ["", "", "", ""],
    ])  # fmt: skip
    codes = read_human_codes([path], codebook, KNOWN)
    assert codes.labels["primary_emotion"]["park"] == {"p1": "joy", "p2": "joy", "p3": "neutral"}
    assert codes.labels["sentiment"]["park"] == {
        "p1": "positive",
        "p2": "negative",
        "p4": "neutral",
    }
    assert codes.posts == ("p1", "p2", "p3", "p4")
    assert codes.uncoded_rows == 1


def test_unknown_posts_are_reported_not_used(tmp_path: Path, codebook: Codebook) -> None:
    path = _write(tmp_path / "long.csv", [
        ["post_id", "coder", "primary_emotion"],
        ["p1", "kim", "joy"],
        ["x9", "kim", "anger"],
        ["x7", "lee", "fear"],
        ["p1", "lee", "fear"],
    ])  # fmt: skip
    codes = read_human_codes([path], codebook, KNOWN)
    assert codes.unknown_posts == ("x7", "x9")
    assert codes.coders == ("kim", "lee")
    assert codes.labels["primary_emotion"] == {"kim": {"p1": "joy"}, "lee": {"p1": "fear"}}
    assert codes.rows == 4


def test_duplicate_codes_name_both_rows(tmp_path: Path, codebook: Codebook) -> None:
    path = _write(tmp_path / "kim.csv", [
        ["post_id", "primary_emotion"], ["p1", "joy"], ["p2", "joy"], ["p1", "joy"],
    ])  # fmt: skip
    with pytest.raises(
        ValidationDataError, match=r"'kim' coded post 'p1' twice: .*row 2 and .*row 4"
    ):
        read_human_codes([path], codebook, KNOWN)
    long = _write(
        tmp_path / "long.tsv",
        [["post_id", "coder", "primary_emotion"], ["p2", "kim", "anger"]],
        sep="\t",
    )
    other = _write(tmp_path / "kim.csv", [["post_id", "primary_emotion"], ["p2", "joy"]])
    with pytest.raises(ValidationDataError) as info:  # across files: kim.csv and kim's long rows
        read_human_codes([other, long], codebook, KNOWN)
    assert f"{other}, row 2 and {long}, row 2" in str(info.value)


def test_bom_cp949_tsv_and_xlsx_long(tmp_path: Path, codebook: Codebook) -> None:
    rows = [["post_id", "coder", "primary_emotion", "sentiment"], ["p1", "김", "슬픔", "부정"]]
    bom = _write(tmp_path / "bom.csv", rows, encoding="utf-8-sig")
    cp949 = _write(
        tmp_path / "cp949.csv", [rows[0], ["p2", "김", "분노", "부정"]], encoding="cp949"
    )
    tsv = _write(tmp_path / "t.tsv", [rows[0], ["p3", "이", "fear", "negative"]], sep="\t")
    assert b"\xba\xd0" in cp949.read_bytes()  # 분 in CP949: really not UTF-8
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(rows[0])
    ws.append([4, "이", "Joy", "positive"])  # a numeric post id typed in Excel
    book.save(tmp_path / "long.xlsx")
    codes = read_human_codes(
        [bom, cp949, tsv, tmp_path / "long.xlsx"], codebook, {"p1", "p2", "p3", "4"}
    )
    assert codes.labels["primary_emotion"] == {
        "김": {"p1": "sadness", "p2": "anger"},
        "이": {"p3": "fear", "4": "joy"},
    }
    assert codes.labels["sentiment"]["김"] == {"p1": "negative", "p2": "negative"}


def test_xlsx_row_numbers_and_intensity_checks(tmp_path: Path, codebook: Codebook) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["post_id", "primary_emotion", "intensity_joy"])
    ws.append(["p1", "joy", "0,8"])  # a decimal comma is accepted
    ws.append([None, None, None])  # a blank row still counts in the numbering
    ws.append(["p2", "joy", 1.5])
    book.save(tmp_path / "choi.xlsx")
    with pytest.raises(
        ValidationDataError,
        match=r"choi.xlsx, row 4, column intensity_joy: '1.5' is not a number from 0 to 1",
    ):
        read_human_codes([tmp_path / "choi.xlsx"], codebook, KNOWN)
    ws["C4"] = 0.5
    book.save(tmp_path / "choi.xlsx")
    codes = read_human_codes([tmp_path / "choi.xlsx"], codebook, KNOWN)
    assert codes.intensities == {"joy": {"choi": {"p1": 0.8, "p2": 0.5}}}


def test_structural_errors(tmp_path: Path, codebook: Codebook) -> None:
    no_id = _write(tmp_path / "a.csv", [["id", "primary_emotion"], ["p1", "joy"]])
    with pytest.raises(ValidationDataError, match="row 1: there is no post_id column"):
        read_human_codes([no_id], codebook, KNOWN)
    no_codes = _write(tmp_path / "b.csv", [["post_id", "text"], ["p1", "x"]])
    with pytest.raises(ValidationDataError, match="no code column"):
        read_human_codes([no_codes], codebook, KNOWN)
    empty_coder = _write(
        tmp_path / "c.csv", [["post_id", "coder", "sentiment"], ["p1", " ", "positive"]]
    )
    with pytest.raises(ValidationDataError, match="row 2, column coder: the coder is empty"):
        read_human_codes([empty_coder], codebook, KNOWN)
    empty_id = _write(tmp_path / "d.csv", [["post_id", "sentiment"], ["", "positive"]])
    with pytest.raises(ValidationDataError, match="row 2, column post_id: the post_id is empty"):
        read_human_codes([empty_id], codebook, KNOWN)
    bad_sentiment = _write(tmp_path / "e.csv", [["post_id", "sentiment"], ["p1", "joy"]])
    with pytest.raises(ValidationDataError, match="use one of positive, negative, neutral"):
        read_human_codes([bad_sentiment], codebook, KNOWN)
    binary = tmp_path / "f.csv"
    binary.write_bytes(b"post_id,sentiment\n\xff\xfe\xff,positive\n")
    with pytest.raises(ValidationDataError, match="neither UTF-8 nor CP949"):
        read_human_codes([binary], codebook, KNOWN)
    with pytest.raises(ValidationDataError, match="not found"):
        read_human_codes([tmp_path / "missing.csv"], codebook, KNOWN)
