"""Simulated "human coders" for an offline demonstration of the validation step.

THESE ARE NOT HUMANS. :func:`simulate_coders` derives codes from the model's own answers, so an
agreement report on them says nothing about the model's validity: it only exercises the sheet,
reader, report and gate end to end (with no internet and no coders). How they are made:

1. ``size`` posts are a seeded simple random sample of the results' ``ok`` rows (sorted by
   post_id; :func:`emobatch.sampling.select_indices`);
2. for coder ``k`` (named ``simulated_1``, ``simulated_2``...) and each post, independently per
   field (``primary_emotion``, ``sentiment``): with probability ``accuracy[k]`` the coder gives
   the model's label, otherwise a label drawn uniformly from the field's *other* codebook labels;
3. with ``intensities=True``, ``intensity_<emotion>`` is the model's value plus Gaussian noise
   (standard deviation ``intensity_noise``), clipped to [0, 1] and rounded to one decimal.

Random numbers come from ``numpy.random.default_rng`` seeded per coder with (seed, k): the same
seed and NumPy version give the same file. Written file (UTF-8, comma-separated, the long format
of :mod:`emobatch.validation.human_codes`): ``post_id``, ``coder``, ``primary_emotion``,
``sentiment`` and, with intensities, ``intensity_<emotion>``; one row per (post, coder).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emobatch.atomic import atomic_path
from emobatch.codebook import Codebook
from emobatch.sampling import select_indices
from emobatch.validation.common import LABEL_FIELDS, ValidationDataError, read_ok_rows
from emobatch.validation.design import sub_seed

__all__ = ["simulate_coders"]


def _accuracies(accuracy: float | Sequence[float], coders: int) -> list[float]:
    values = [float(accuracy)] * coders if isinstance(accuracy, int | float) else list(accuracy)
    if len(values) != coders or not all(0 <= a <= 1 for a in values):
        raise ValueError(f"accuracy must be one number or {coders} numbers in [0, 1]")
    return values


def _label(rng: np.random.Generator, truth: Any, labels: Sequence[str], accuracy: float) -> str:
    if truth is None or pd.isna(truth):
        return ""
    if rng.random() < accuracy:
        return str(truth)
    others = [x for x in labels if x != truth]
    return str(others[int(rng.integers(len(others)))]) if others else str(truth)


def simulate_coders(
    dataset: Path,
    codebook: Codebook,
    out_csv: Path,
    *,
    coders: int = 3,
    size: int = 200,
    seed: int,
    accuracy: float | Sequence[float] = 0.8,
    intensities: bool = False,
    intensity_noise: float = 0.15,
) -> dict[str, Any]:
    """Write simulated codes (see the module docstring) to ``out_csv``; return counts."""
    accs = _accuracies(accuracy, coders)
    columns = [f"intensity_{e}" for e in codebook.emotions] if intensities else []
    rows = read_ok_rows(Path(dataset), [*LABEL_FIELDS, *columns])
    if rows.empty:
        raise ValidationDataError(
            f"results file {dataset} has no ok rows to simulate coders on",
            hint="run the pipeline until posts are coded",
        )
    picked = rows.iloc[select_indices(len(rows), size, sub_seed(seed, 0))]
    allowed = {"primary_emotion": codebook.labels, "sentiment": codebook.sentiments}
    out: list[list[str]] = []
    for k in range(coders):
        rng = np.random.default_rng(sub_seed(seed, 1, k))
        name = f"simulated_{k + 1}"
        for record in picked.to_dict(orient="records"):
            line = [str(record["post_id"]), name]
            line += [_label(rng, record[f], allowed[f], accs[k]) for f in LABEL_FIELDS]
            for col in columns:
                value = record[col]
                if value is None or pd.isna(value):
                    line.append("")
                    continue
                noisy = float(np.clip(value + rng.normal(0, intensity_noise), 0, 1))
                line.append(f"{round(noisy, 1):.1f}")
            out.append(line)
    with atomic_path(out_csv) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["post_id", "coder", *LABEL_FIELDS, *columns])
        writer.writerows(out)
    return {
        "posts": len(picked),
        "coders": coders,
        "rows": len(out),
        "seed": seed,
        "accuracy": accs,
        "simulated": True,
        "file": str(out_csv),
    }
