"""Read human codes: filled coding sheets (one file per coder) or one long file of codes.

Accepted files (CSV, TSV or XLSX; see :mod:`emobatch.validation.tables` for encodings, sheets and
row numbers), with column names matched case-insensitively:

- a filled coding sheet (:mod:`emobatch.validation.sheet`): ``post_id``, the code columns, any
  other columns (``text``...) ignored. The coder is the file's stem (``kim.xlsx`` is ``kim``)
  unless the file has a ``coder`` column;
- a long file: ``post_id``, ``coder``, ``primary_emotion`` and optionally ``sentiment`` and
  ``intensity_<emotion>`` columns, one row per (post, coder).

Code columns are ``primary_emotion``, ``sentiment`` and ``intensity_<emotion>``; a file needs at
least one. Labels must be codebook labels; case and surrounding whitespace are ignored and
Korean names are accepted (:func:`emobatch.validation.common.label_aliases`). Intensities are
numbers from 0 to 1 (a decimal comma is accepted). An empty cell means "not coded". Every
problem is a :class:`~emobatch.validation.common.ValidationDataError` naming the file, the row
(as a spreadsheet shows it) and the value: a label not in the codebook, an intensity out of
range, an empty post_id or coder, two codes by the same coder for the same post (both rows are
named, also across files). Codes of posts that are not in the current analysis are not used,
and their ids are reported in :attr:`HumanCodes.unknown_posts`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from emobatch.codebook import Codebook
from emobatch.validation.common import LABEL_FIELDS, ValidationDataError, label_aliases
from emobatch.validation.tables import Row, read_table

__all__ = ["HumanCodes", "read_human_codes"]


@dataclass(frozen=True)
class HumanCodes:
    """Human codes of the posts of the current analysis.

    ``labels[field][coder][post_id]`` is a codebook label (field: primary_emotion, sentiment);
    ``intensities[emotion][coder][post_id]`` a number from 0 to 1. Only coded cells appear.
    """

    coders: tuple[str, ...]
    posts: tuple[str, ...]  # posts with at least one code, sorted
    labels: dict[str, dict[str, dict[str, str]]]
    intensities: dict[str, dict[str, dict[str, float]]]
    unknown_posts: tuple[str, ...] = ()  # coded posts not in the analysis (not used), sorted
    files: tuple[str, ...] = ()
    uncoded_rows: int = 0  # rows without any code (skipped)
    rows: int = 0  # rows with at least one code, unknown posts included


def read_human_codes(
    paths: Iterable[Path], codebook: Codebook, known_post_ids: set[str]
) -> HumanCodes:
    """Read and check the human codes in ``paths`` (see the module docstring)."""
    aliases = label_aliases(codebook)
    allowed = {"primary_emotion": codebook.labels, "sentiment": codebook.sentiments}
    labels: dict[str, dict[str, dict[str, str]]] = {f: {} for f in LABEL_FIELDS}
    intensities: dict[str, dict[str, dict[str, float]]] = {e: {} for e in codebook.emotions}
    seen: dict[tuple[str, str], str] = {}
    coders: dict[str, None] = {}
    unknown: set[str] = set()
    files: list[str] = []
    uncoded = coded_rows = 0
    for path in paths:
        table = read_table(Path(path))
        files.append(str(table.path))
        columns = _code_columns(table.path, table.header, codebook)
        for row in table.rows:
            post = row.cells.get("post_id", "").strip()
            codes = {c: row.cells.get(c, "").strip() for c in columns}
            codes = {c: v for c, v in codes.items() if v}
            if not codes:
                uncoded += 1
                continue
            if not post:
                raise _error(table.path, row, "post_id", "the post_id is empty")
            coder = _coder(table.path, row)
            where = f"{table.path}, {row.where}"
            first = seen.setdefault((coder, post), where)
            if first != where:
                raise ValidationDataError(
                    f"coder {coder!r} coded post {post!r} twice: {first} and {where}",
                    hint="keep one row per post and coder (delete or merge the other row)",
                )
            checked = {c: _check(table.path, row, c, v, aliases, allowed) for c, v in codes.items()}
            coded_rows += 1
            coders.setdefault(coder)
            if post not in known_post_ids:
                unknown.add(post)
                continue
            for column, value in checked.items():
                if column in LABEL_FIELDS:
                    labels[column].setdefault(coder, {})[post] = str(value)
                else:
                    emotion = column.removeprefix("intensity_")
                    intensities[emotion].setdefault(coder, {})[post] = float(value)
    posts = {p for by_coder in labels.values() for codes_ in by_coder.values() for p in codes_}
    posts |= {
        p for by_coder in intensities.values() for codes_ in by_coder.values() for p in codes_
    }
    return HumanCodes(
        coders=tuple(coders),
        posts=tuple(sorted(posts)),
        labels=labels,
        intensities={e: v for e, v in intensities.items() if v},
        unknown_posts=tuple(sorted(unknown)),
        files=tuple(files),
        uncoded_rows=uncoded,
        rows=coded_rows,
    )


def _code_columns(path: Path, header: tuple[str, ...], codebook: Codebook) -> list[str]:
    if "post_id" not in header:
        raise ValidationDataError(
            f"{path}, row 1: there is no post_id column (columns: {', '.join(header)})",
            hint="keep the header of the coding sheet (post_id, text, primary_emotion, ...)",
        )
    wanted = [*LABEL_FIELDS, *(f"intensity_{e}" for e in codebook.emotions)]
    columns = [c for c in wanted if c in header]
    if not columns:
        raise ValidationDataError(
            f"{path}, row 1: no code column (expected one of {', '.join(wanted)})",
            hint="keep the header of the coding sheet and fill in its code columns",
        )
    return columns


def _coder(path: Path, row: Row) -> str:
    if "coder" not in row.cells:
        return path.stem
    coder = row.cells["coder"].strip()
    if not coder:
        raise _error(path, row, "coder", "the coder is empty")
    return coder


def _check(
    path: Path,
    row: Row,
    column: str,
    value: str,
    aliases: dict[str, dict[str, str]],
    allowed: dict[str, tuple[str, ...]],
) -> str | float:
    if column in LABEL_FIELDS:
        label = aliases[column].get(value.casefold())
        if label is None:
            raise _error(
                path,
                row,
                column,
                f"{value!r} is not a codebook label",
                f"use one of {', '.join(allowed[column])} (case and spaces are ignored, Korean "
                "names are accepted) or leave the cell empty",
            )
        return label
    try:
        number = float(value.replace(",", ".") if value.count(",") == 1 else value)
    except ValueError:
        number = math.nan
    if not 0 <= number <= 1:
        raise _error(path, row, column, f"{value!r} is not a number from 0 to 1")
    return number


def _error(
    path: Path, row: Row, column: str, problem: str, hint: str | None = None
) -> ValidationDataError:
    return ValidationDataError(
        f"{path}, {row.where}, column {column}: {problem}",
        hint=hint or "correct the cell (leave it empty when the post is not coded)",
    )
