"""input.encoding: UTF-8 (with or without BOM) and CP949/EUC-KR are detected and read; an explicit
encoding is honoured; undecodable bytes name the file, line and byte offset."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pytest

from emobatch.errors import InputDataError
from emobatch.posts import iter_post_batches
from emobatch.stages.filter import run_filter

KOREAN = ["엑셀에서 저장한 한글 글입니다 ㅠㅠ", "뷁 똠방각하 (EUC-KR에 없는 글자)", "plain ASCII"]


def cp949_csv(path: Path, texts: list[str] = KOREAN) -> Path:
    lines = ["post_id,text"] + [f"k{i},{t}" for i, t in enumerate(texts, start=1)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp949"))
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


def test_cp949_is_detected_and_read(tmp_path: Path) -> None:
    table = read_all(cp949_csv(tmp_path / "excel.csv"))
    assert table.column("text").to_pylist() == KOREAN
    assert table.column("post_id").to_pylist() == ["k1", "k2", "k3"]


def test_an_explicit_encoding_is_honoured(tmp_path: Path) -> None:
    path = cp949_csv(tmp_path / "euckr.csv", ["오늘 날씨 좋다", "ascii"])  # also valid EUC-KR
    assert read_all(path, encoding="euc-kr").column("text").to_pylist() == [
        "오늘 날씨 좋다",
        "ascii",
    ]
    assert read_all(path, encoding="cp949").num_rows == 2


def test_an_explicit_utf8_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = cp949_csv(tmp_path / "excel.csv")
    offset = path.read_bytes().index(KOREAN[0].encode("cp949"))
    message = error_of(path, encoding="utf-8")
    assert "row 1, column 'text'" in message and "not valid UTF-8" in message
    assert f"line 2, byte offset {offset}" in message
    assert "input.encoding" in message and "cp949" in message


def test_bytes_that_are_neither_utf8_nor_cp949(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    raw = b"post_id,text\r\n1,fine\r\n2,bad \xff\xfe bytes\r\n"
    path.write_bytes(raw)
    offset = raw.index(b"\xff")
    message = error_of(path)
    assert f"line 3, byte offset {offset}" in message
    assert "not valid UTF-8" in message and "not CP949" in message


def test_a_mixed_file_is_not_read_as_cp949(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("post_id,text\n1,유니코드 글\n2,".encode() + "엑셀 글".encode("cp949") + b"\n")
    message = error_of(path)
    assert "row 2, column 'text'" in message and "line 3" in message
    assert "iconv -f cp949 -t utf-8" in message


def test_an_unknown_encoding_names_the_key(tmp_path: Path) -> None:
    path = cp949_csv(tmp_path / "excel.csv")
    message = error_of(path, encoding="klingon")
    assert "unknown encoding 'klingon'" in message and "input.encoding" in message


def test_utf8_with_a_bom_and_an_explicit_encoding(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffpost_id,text\n1,한글\n".encode())
    assert read_all(path, encoding="utf-8").column("text").to_pylist() == ["한글"]


def test_jsonl_honours_an_explicit_encoding(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_bytes('{"post_id": "1", "text": "한글"}\n'.encode("cp949"))
    assert read_all(path, encoding="cp949").column("text").to_pylist() == ["한글"]


def test_the_filter_reports_and_logs_the_encoding(
    make_settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = cp949_csv(tmp_path / "excel.csv")
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="emobatch"):
        run_filter(
            make_settings(path),
            "full",
            analysis="aenc00000001",
            out_selected=out / "selected.parquet",
            out_report=out / "report.json",
            out_dropped=out / "dropped.parquet",
        )
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["input"]["encoding"] == "cp949" and report["population"] == 3
    assert any("cp949" in r.getMessage() for r in caplog.records)
