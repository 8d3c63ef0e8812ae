"""The coding sheet: CSV with BOM, XLSX drop-downs and codebook sheet, the blinded design."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from emobatch.codebook import Codebook
from emobatch.validation import ValidationDataError, write_sheet
from tests.validation.conftest import MakeResults, skewed_labels

COUNTS = (200, 5, 30, 3, 60, 2, 40, 20, 140)  # codebook order: joy ... neutral


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def sheet(tmp_path: Path, codebook: Codebook, make_results: MakeResults) -> dict:
    results = make_results(skewed_labels(codebook, COUNTS), failed=10)
    counts = write_sheet(
        results,
        codebook,
        tmp_path / "sheet.csv",
        tmp_path / "sheet.xlsx",
        size=60,
        seed=11,
        intensities=True,
        min_per_label=5,
    )
    return {"results": results, "counts": counts, "dir": tmp_path}


def test_csv_has_bom_header_and_empty_code_columns(sheet: dict, codebook: Codebook) -> None:
    raw = (sheet["dir"] / "sheet.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _read_csv(sheet["dir"] / "sheet.csv")
    assert list(rows[0]) == [
        "post_id",
        "text",
        "primary_emotion",
        "sentiment",
        *[f"intensity_{e}" for e in codebook.emotions],
    ]
    assert len(rows) == 60
    assert all(v == "" for r in rows for k, v in r.items() if k not in ("post_id", "text"))
    data = pd.read_parquet(sheet["results"]).set_index("post_id")
    assert all(data.at[r["post_id"], "text"] == r["text"] for r in rows)
    assert all(data.at[r["post_id"], "status"] == "ok" for r in rows)


def test_every_model_label_appears_and_probabilities_are_exact(sheet: dict) -> None:
    design = _read_csv(sheet["dir"] / "sheet.design.csv")
    sheet_ids = [r["post_id"] for r in _read_csv(sheet["dir"] / "sheet.csv")]
    assert [d["post_id"] for d in design] == sheet_ids  # same order as the sheet
    data = pd.read_parquet(sheet["results"]).set_index("post_id")
    strata = sheet["counts"]["strata"]
    assert set(strata) == set(data.loc[data["status"] == "ok", "primary_emotion"])
    assert sheet["counts"]["population"] == sum(COUNTS)
    for d in design:
        h = d["stratum"]
        assert data.at[d["post_id"], "primary_emotion"] == h
        assert float(d["inclusion_probability"]) == strata[h]["sample"] / strata[h]["population"]
    sampled = pd.Series([d["stratum"] for d in design]).value_counts().to_dict()
    assert sampled == {h: s["sample"] for h, s in strata.items()}
    assert strata["disgust"] == {"population": 2, "sample": 2}  # rare labels: all of them
    assert strata["trust"]["sample"] == 5  # the minimum per label


def test_order_is_blinded(sheet: dict) -> None:
    design = _read_csv(sheet["dir"] / "sheet.design.csv")
    labels = [d["stratum"] for d in design]
    runs = 1 + sum(a != b for a, b in itertools.pairwise(labels))
    assert runs > 3 * len(set(labels))  # grouped by stratum would give one run per label
    ids = [d["post_id"] for d in design]
    assert ids != sorted(ids)
    sheet_text = (sheet["dir"] / "sheet.csv").read_text(encoding="utf-8-sig")
    assert "stratum" not in sheet_text and "inclusion_probability" not in sheet_text


def test_sheet_is_deterministic_under_a_seed(
    tmp_path: Path, codebook: Codebook, make_results: MakeResults
) -> None:
    results = make_results(skewed_labels(codebook, COUNTS))
    outs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_sheet(
            results,
            codebook,
            tmp_path / f"{name}.csv",
            tmp_path / f"{name}.xlsx",
            size=40,
            seed=seed,
        )
        outs.append(
            (
                (tmp_path / f"{name}.csv").read_bytes(),
                (tmp_path / f"{name}.design.csv").read_bytes(),
            )
        )
    assert outs[0] == outs[1]
    assert outs[0][0] != outs[2][0]


def test_xlsx_drop_downs_frozen_header_and_wrapping(sheet: dict, codebook: Codebook) -> None:
    book = load_workbook(sheet["dir"] / "sheet.xlsx")
    assert book.sheetnames == ["coding", "codebook"]
    ws = book["coding"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:4] == ["post_id", "text", "primary_emotion", "sentiment"]
    assert ws.max_row == 61
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    emotion, sentiment = checks["C2:C61"], checks["D2:D61"]
    assert emotion.type == "list" and emotion.formula1 == '"' + ",".join(codebook.labels) + '"'
    assert sentiment.type == "list"
    assert sentiment.formula1 == '"positive,negative,neutral"'
    assert emotion.showErrorMessage and emotion.allow_blank
    for col in "EFGHIJKL":
        dv = checks[f"{col}2:{col}61"]
        assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "1")
    assert ws["B2"].alignment.wrap_text and not ws["C2"].alignment.wrap_text
    assert ws.column_dimensions["B"].width >= 60
    assert ws["A1"].font.bold


def test_xlsx_codebook_sheet(sheet: dict, codebook: Codebook) -> None:
    raw = yaml.safe_load(Path(codebook.path).read_text(encoding="utf-8"))
    ws = load_workbook(sheet["dir"] / "sheet.xlsx")["codebook"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    labels = [r for r in rows if r[0] == "primary_emotion"]
    assert [r[1] for r in labels] == list(codebook.labels)
    for row, label in zip(labels, raw["labels"], strict=True):
        assert row[2] == label["korean"]
        assert row[3] == " ".join(label["definition"].split())
    assert [r[1] for r in rows if r[0] == "sentiment"][:3] == list(codebook.sentiments)


def test_no_intensities_and_formula_like_text(
    tmp_path: Path, codebook: Codebook, make_results: MakeResults
) -> None:
    texts = ['=HYPERLINK("x")', "plain", "+82 10", "제어\x01문자"]
    results = make_results(["joy", "anger", "joy", "neutral"], texts=texts)
    counts = write_sheet(
        results, codebook, tmp_path / "s.csv", tmp_path / "s.xlsx", size=10, seed=1
    )
    assert counts["size"] == 4  # census: the sheet is larger than the population
    ws = load_workbook(tmp_path / "s.xlsx")["coding"]
    assert [c.value for c in ws[1]] == ["post_id", "text", "primary_emotion", "sentiment"]
    assert {dv.type for dv in ws.data_validations.dataValidation} == {"list"}
    cells = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=2) for r in range(2, 6)}
    assert cells['=HYPERLINK("x")'].data_type == "s"
    assert "제어문자" in cells
    assert sorted(r["text"] for r in _read_csv(tmp_path / "s.csv")) == sorted(texts)


def test_errors(tmp_path: Path, codebook: Codebook, make_results: MakeResults) -> None:
    results = make_results(["joy", "anger", "fear"])
    with pytest.raises(ValidationDataError, match="at least 3"):
        write_sheet(results, codebook, tmp_path / "s.csv", tmp_path / "s.xlsx", size=2, seed=1)
    empty = make_results([], failed=3, name="empty.parquet")
    with pytest.raises(ValidationDataError, match="no ok rows"):
        write_sheet(empty, codebook, tmp_path / "s.csv", tmp_path / "s.xlsx", seed=1)
    with pytest.raises(ValidationDataError, match="not found"):
        write_sheet(tmp_path / "nope.parquet", codebook, tmp_path / "s.csv", tmp_path / "x", seed=1)
