"""Shared pieces of the validation package: its error, the results reader, label aliases.

:func:`read_ok_rows` reads the ``ok`` rows of a results parquet (``results/<mode>.parquet``, the
columns are documented in :mod:`emobatch.stages.parse`); :func:`model_labels_from_results` turns
them into the ``model_labels`` mapping that :func:`emobatch.validation.validation_report` takes.
:func:`label_aliases` is how human codes are matched to codebook labels: case and surrounding
whitespace are ignored, and the codebook's Korean names (``korean``) are accepted. Sentiments
have no Korean names in the codebook; the usual ones (긍정, 부정, 중립) are accepted for
``positive``, ``negative`` and ``neutral`` when the codebook has those sentiments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from emobatch import yamlio
from emobatch.codebook import Codebook
from emobatch.errors import InputDataError

__all__ = [
    "LABEL_FIELDS",
    "ValidationDataError",
    "label_aliases",
    "model_labels_from_results",
    "raw_codebook",
    "read_ok_rows",
]

LABEL_FIELDS: tuple[str, ...] = ("primary_emotion", "sentiment")
SENTIMENT_KOREAN = {"positive": "긍정", "negative": "부정", "neutral": "중립"}


class ValidationDataError(InputDataError):
    """A validation input (results parquet, coding sheet, human codes) cannot be used as asked."""


def raw_codebook(codebook: Codebook) -> dict[str, Any]:
    """The codebook's YAML as parsed (for per-label ``korean`` and ``definition``)."""
    raw = yamlio.safe_load(Path(codebook.path).read_text(encoding="utf-8"))
    return raw if isinstance(raw, dict) else {}


def label_aliases(codebook: Codebook) -> dict[str, dict[str, str]]:
    """Per field, every accepted spelling (casefolded) -> the codebook's English label."""
    raw = raw_codebook(codebook)
    emotion: dict[str, str] = {}
    for label in raw.get("labels") or []:
        named = isinstance(label, dict) and label.get("name") in codebook.labels
        if named and label.get("korean"):
            emotion[str(label["korean"]).strip().casefold()] = label["name"]
    emotion.update({name.casefold(): name for name in codebook.labels})
    sentiment = {
        SENTIMENT_KOREAN[s].casefold(): s for s in codebook.sentiments if s in SENTIMENT_KOREAN
    }
    sentiment.update({name.casefold(): name for name in codebook.sentiments})
    return {"primary_emotion": emotion, "sentiment": sentiment}


def read_ok_rows(dataset: Path, columns: list[str]) -> pd.DataFrame:
    """The ``status == "ok"`` rows of a results parquet, ``columns`` only, sorted by post_id."""
    dataset = Path(dataset)
    try:
        frame = pd.read_parquet(dataset, columns=[*dict.fromkeys(["post_id", "status", *columns])])
    except FileNotFoundError as exc:
        raise ValidationDataError(
            f"results file {dataset} not found",
            hint="run the pipeline for this mode first (it writes results/<mode>.parquet)",
        ) from exc
    except (KeyError, ValueError, OSError) as exc:
        raise ValidationDataError(
            f"results file {dataset} cannot be read with the columns {', '.join(columns)} ({exc})",
            hint="pass a results/<mode>.parquet written by the pipeline",
        ) from exc
    ok = frame[frame["status"] == "ok"].copy()
    ok["post_id"] = ok["post_id"].astype(str)
    return ok.sort_values("post_id", kind="stable").reset_index(drop=True)


def model_labels_from_results(dataset: Path, codebook: Codebook) -> dict[str, dict[str, Any]]:
    """``post_id -> {primary_emotion, sentiment, intensity_<emotion>...}`` for the ok rows."""
    fields = [*LABEL_FIELDS, *(f"intensity_{e}" for e in codebook.emotions)]
    rows = read_ok_rows(dataset, fields)
    out: dict[str, dict[str, Any]] = {}
    for record in rows.to_dict(orient="records"):
        out[str(record["post_id"])] = {
            f: (None if pd.isna(record[f]) else record[f]) for f in fields
        }
    return out
