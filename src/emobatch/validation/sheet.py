"""The coding sheet: a blinded sample of posts for human coders, as CSV and XLSX, plus its design.

Files written by :func:`write_sheet` (all posts in the same seeded random order):

``<sheet>.csv`` (UTF-8 with BOM, so Excel shows Korean text; comma-separated, RFC 4180 quoting)
    ``post_id``, ``text``, then empty ``primary_emotion``, ``sentiment`` and, with
    ``intensities=True``, ``intensity_<emotion>`` for each codebook emotion (0 to 1). Coders fill
    in the empty columns; nothing of the model's answer is shown.
``<sheet>.xlsx``
    Sheet ``coding``: the same columns, header frozen, text wrapped, drop-down lists of the
    codebook's labels for ``primary_emotion`` and ``sentiment``, a 0-1 decimal check on
    intensities. Sheet ``codebook``: ``field``, ``name``, ``korean``, ``definition`` for every
    label (definitions from the codebook YAML), then the sentiment and intensity rules.
``sheet.design.csv`` (the sidecar; by default ``<sheet>.design.csv`` next to the CSV)
    ``post_id``, ``stratum`` (the model's primary_emotion), ``inclusion_probability``
    (``n_h / N_h``, exact: see :mod:`emobatch.validation.design`), in sheet order. It is kept
    apart from the sheet because the stratum is the model's answer: showing it would unblind the
    coders. Keep it for the analysis, do not send it to coders.

Texts are written as they are in the results, except that the XLSX drops the control characters
Excel cannot store (``openpyxl``'s ``ILLEGAL_CHARACTERS_RE``) and stores every text as a string
(a post that starts with ``=`` is never a formula). The CSV keeps texts verbatim, so a post
starting with ``=``, ``+``, ``-`` or ``@`` could be taken for a formula by a spreadsheet that
opens the CSV directly: give coders the XLSX.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from emobatch.atomic import atomic_path
from emobatch.codebook import Codebook
from emobatch.validation.common import (
    SENTIMENT_KOREAN,
    ValidationDataError,
    raw_codebook,
    read_ok_rows,
)
from emobatch.validation.design import shuffled, stratified_sample

__all__ = ["sheet_columns", "write_sheet"]

DESIGN_COLUMNS = ("post_id", "stratum", "inclusion_probability")
WIDTHS = {"post_id": 16, "text": 80, "primary_emotion": 18, "sentiment": 14}


def sheet_columns(codebook: Codebook, *, intensities: bool = False) -> list[str]:
    """The sheet's header: post_id, text, then the columns coders fill in."""
    cols = ["post_id", "text", "primary_emotion", "sentiment"]
    return cols + ([f"intensity_{e}" for e in codebook.emotions] if intensities else [])


def write_sheet(
    dataset: Path,
    codebook: Codebook,
    out_csv: Path,
    out_xlsx: Path,
    *,
    size: int = 200,
    seed: int,
    intensities: bool = False,
    min_per_label: int = 10,
    design_csv: Path | None = None,
) -> dict[str, Any]:
    """Write the coding sheet (CSV + XLSX) and its design sidecar; return the counts."""
    rows = read_ok_rows(Path(dataset), ["text", "primary_emotion"])
    if rows.empty:
        raise ValidationDataError(
            f"results file {dataset} has no ok rows to sample for the coding sheet",
            hint="run the pipeline until posts are coded, then write the sheet",
        )
    strata = [str(v) for v in rows["primary_emotion"]]
    try:
        picked, plan = stratified_sample(
            strata, codebook.labels, size, seed, min_per_label=min_per_label
        )
    except ValueError as exc:
        raise ValidationDataError(
            f"coding sheet of size {size}: {exc}",
            hint=f"set the sheet size to at least {len(set(strata))}",
        ) from exc
    prob = {a.stratum: a.inclusion_probability for a in plan}
    order = shuffled(picked, seed)
    texts = ["" if pd.isna(t) else str(t) for t in rows["text"]]
    records = [(str(rows.at[i, "post_id"]), texts[i]) for i in order]
    header = sheet_columns(codebook, intensities=intensities)
    blank = [""] * (len(header) - 2)
    with atomic_path(out_csv) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([pid, text, *blank] for pid, text in records)
    design_path = Path(design_csv) if design_csv else Path(out_csv).with_suffix(".design.csv")
    with atomic_path(design_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(DESIGN_COLUMNS)
        writer.writerows(
            [records[k][0], strata[i], repr(prob[strata[i]])] for k, i in enumerate(order)
        )
    _write_xlsx(out_xlsx, codebook, header, records)
    return {
        "population": len(rows),
        "size": len(records),
        "seed": seed,
        "min_per_label": min_per_label,
        "strata": {a.stratum: {"population": a.population, "sample": a.sample} for a in plan},
        "files": {"csv": str(out_csv), "xlsx": str(out_xlsx), "design": str(design_path)},
    }


def _write_xlsx(
    path: Path, codebook: Codebook, header: list[str], records: list[tuple[str, str]]
) -> None:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "coding"
    sheet.append(header)
    for row, (pid, text) in enumerate(records, start=2):
        for col, value in ((1, pid), (2, ILLEGAL_CHARACTERS_RE.sub("", text))):
            cell = sheet.cell(row=row, column=col, value=value)
            cell.data_type = "s"  # a post starting with "=" stays text, never a formula
    last = len(records) + 1
    for col, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=col).column_letter
        sheet.cell(row=1, column=col).font = Font(bold=True)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 14)
        for row in range(2, last + 1):
            cell = sheet.cell(row=row, column=col)
            cell.alignment = Alignment(wrap_text=name == "text", vertical="top")
            if name == "post_id":
                cell.number_format = "@"
        rng = f"{letter}2:{letter}{max(last, 2)}"
        if name in ("primary_emotion", "sentiment"):
            allowed = codebook.labels if name == "primary_emotion" else codebook.sentiments
            _validate(sheet, rng, "list", f'"{",".join(allowed)}"', None, f"one of {allowed}")
        elif name.startswith("intensity_"):
            _validate(sheet, rng, "decimal", "0", "1", "a number from 0 to 1")
    sheet.freeze_panes = "A2"
    _codebook_sheet(book, codebook)
    with atomic_path(path) as tmp:
        book.save(tmp)


def _validate(
    sheet: Worksheet, rng: str, kind: str, formula1: str, formula2: str | None, what: str
) -> None:
    check = DataValidation(
        type=kind,
        formula1=formula1,
        formula2=formula2,
        operator="between" if formula2 is not None else None,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not in the codebook",
        error=f"Enter {what}; leave the cell empty if you cannot code the post.",
    )
    check.add(rng)
    sheet.add_data_validation(check)


def _codebook_sheet(book: Workbook, codebook: Codebook) -> None:
    raw = raw_codebook(codebook)
    sheet = book.create_sheet("codebook")
    sheet.append(["field", "name", "korean", "definition"])
    for label in raw.get("labels") or []:
        definition = " ".join(str(label.get("definition", "")).split())
        sheet.append(["primary_emotion", label["name"], label.get("korean", ""), definition])
    for name in codebook.sentiments:
        sheet.append(["sentiment", name, SENTIMENT_KOREAN.get(name, ""), ""])
    rules = (raw.get("sentiment") or {}).get("rules", "")
    sheet.append(["sentiment", "(rules)", "", " ".join(str(rules).split())])
    sheet.append(["intensity", "(rules)", "", " ".join(str(raw.get("intensity", "")).split())])
    for letter, width in zip("ABCD", (16, 16, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(bold=cell.row == 1)
    sheet.freeze_panes = "A2"
