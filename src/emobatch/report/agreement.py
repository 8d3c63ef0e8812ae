"""Validation and stability figures: agreement with the human coders, repeat agreement.

Drawn from ``results/<mode>.validation.json`` (the current analysis's, see
:func:`emobatch.stages.validate.current_report`) and, when the repeats stage wrote it,
``results/<mode>.stability.json``; without them each figure says what to run.

Per-class F1 intervals are not in the validation report; they are bootstrapped here from its
confusion matrix: resampling the compared posts with replacement is resampling the matrix's
cells, so the same seeded draws (:func:`emobatch.validation.bootstrap.resample_weights`, the
report's seed and number of draws) give a 95 % percentile interval per class.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from emobatch.report import style
from emobatch.report.figures import Labels
from emobatch.validation.agreement import confusion_counts
from emobatch.validation.bootstrap import percentile_ci, resample_weights

FIELD = "primary_emotion"


def _field(validation: dict[str, Any] | None) -> dict[str, Any]:
    return ((validation or {}).get("fields") or {}).get(FIELD) or {}


def _fig(fig: dict[str, Any] | None) -> str:
    if not fig or fig.get("value") is None:
        return "n/a"
    ci = fig.get("ci")
    return f"{fig['value']:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def confusion(validation: dict[str, Any] | None, labels: Labels, png: Path) -> dict[str, Any]:
    field = _field(validation)
    conf = field.get("confusion")
    if not conf:
        style.empty(
            png,
            "Confusion matrix (validation)",
            "No validation report of this "
            "analysis yet: code the sheet (results/validation/sheet.xlsx) and run "
            "snakemake --cores 2 results/sampling.validation.json",
        )
        return {"present": False}
    names, matrix = list(conf["labels"]), np.array(conf["matrix"], dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    share = matrix / np.where(rows == 0, 1, rows)
    with style.figure(6.4, 5.4) as fig:
        ax = fig.add_subplot()
        ax.grid(False)
        ax.imshow(share, cmap="Greys", vmin=0, vmax=1)
        for i in range(len(names)):
            for j in range(len(names)):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        f"{int(matrix[i, j])}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if share[i, j] > 0.5 else "black",
                    )
        shown = [labels.show(n) for n in names]
        ax.set_xticks(range(len(names)), shown, rotation=45, ha="right")
        ax.set_yticks(range(len(names)), shown)
        ax.set_xlabel(str(conf.get("columns", "model")))
        ax.set_ylabel(str(conf.get("rows", "human majority")))
        ax.set_title(f"Primary emotion: {int(matrix.sum())} posts compared", loc="left")
        style.save(fig, png)
    return {
        "present": True,
        "compared": int(matrix.sum()),
        "coders": len((validation or {}).get("coders") or []),
        "simulated": bool((validation or {}).get("simulated_coders")),
        "accuracy": _fig(field.get("accuracy_vs_majority")),
        "kappa": _fig(field.get("kappa_vs_majority")),
        "alpha_with_model": _fig(field.get("alpha_with_model")),
        "alpha_humans": _fig(field.get("alpha_humans")),
    }


def class_f1(
    conf: dict[str, Any], draws: int, seed: int
) -> dict[str, tuple[float, float | None, float | None]]:
    """Per label: F1 and its bootstrap interval from the confusion matrix."""
    names, matrix = list(conf["labels"]), np.array(conf["matrix"], dtype=np.int64)
    q = len(names)
    cells = np.repeat(np.arange(q * q), matrix.ravel())
    truth, pred = cells // q, cells % q
    weights = resample_weights(len(cells), draws, seed)
    counts = confusion_counts(truth, pred, q, weights)
    tp = np.diagonal(counts, axis1=1, axis2=2)
    den = counts.sum(axis=2) + counts.sum(axis=1)
    f1 = np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), np.nan)
    full_den = matrix.sum(axis=1) + matrix.sum(axis=0)
    out = {}
    for k, name in enumerate(names):
        point = 2 * matrix[k, k] / full_den[k] if full_den[k] else float("nan")
        ci = percentile_ci(f1[:, k])
        out[name] = (float(point), ci[0] if ci else None, ci[1] if ci else None)
    return out


def f1(validation: dict[str, Any] | None, labels: Labels, png: Path) -> dict[str, Any]:
    field = _field(validation)
    conf = field.get("confusion")
    if not conf or validation is None:
        style.empty(
            png,
            "Per-class F1 (validation)",
            "No validation report of this analysis yet (see the confusion matrix).",
        )
        return {"present": False}
    boot = validation.get("bootstrap") or {}
    scores = class_f1(conf, int(boot.get("draws", 2000)), int(boot.get("seed", 0)))
    names = list(scores)
    with style.figure(7.0, 3.8) as fig:
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        for yi, name in zip(y, names, strict=True):
            point, lo, hi = scores[name]
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [yi, yi], color="black", linewidth=1.5)
            ax.plot([point], [yi], "s", color="black", markersize=5)
            ax.text(1.02, yi, f"{point:.2f}", va="center", fontsize=7)
        macro = field.get("macro_f1") or {}
        if macro.get("value") is not None:
            ax.axvline(macro["value"], color="black", linestyle="--", linewidth=0.8)
        ax.set_yticks(y, [labels.show(n) for n in names])
        ax.set_xlim(0, 1.1)
        ax.set_xlabel(
            "F1 against the human majority; lines: 95% bootstrap interval; dashed: macro-F1"
        )
        ax.set_title("Per-class F1 (primary emotion)", loc="left")
        style.save(fig, png)
    lowest = min(names, key=lambda n: scores[n][0]) if names else "-"
    return {
        "present": True,
        "macro_f1": _fig(field.get("macro_f1")),
        "lowest": lowest,
        "lowest_f1": round(scores[lowest][0], 3) if names else None,
        "per_class": {
            n: [round(v, 4) if v is not None else None for v in s] for n, s in scores.items()
        },
    }


def _stability_values(data: dict[str, Any]) -> dict[str, tuple[float, float | None, float | None]]:
    """``per_label`` (or ``labels``): {label: number | {value|agreement, ci}}."""
    raw = data.get("per_label") or data.get("labels") or {}
    out: dict[str, tuple[float, float | None, float | None]] = {}
    if not isinstance(raw, dict):
        return out
    for name, value in raw.items():
        if isinstance(value, int | float):
            out[str(name)] = (float(value), None, None)
        elif isinstance(value, dict):
            point = value.get("value", value.get("agreement"))
            ci = value.get("ci") or [None, None]
            if isinstance(point, int | float):
                out[str(name)] = (float(point), ci[0], ci[1])
    return out


def stability(data: dict[str, Any] | None, labels: Labels, png: Path) -> dict[str, Any]:
    values = _stability_values(data or {})
    if not values:
        style.empty(
            png,
            "Stability per label",
            "No stability measurement for this run "
            "(results/<mode>.stability.json is written when requests are repeated).",
        )
        return {"present": False}
    names = list(values)
    with style.figure(7.0, 3.6) as fig:
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        ax.barh(
            y,
            [values[n][0] for n in names],
            color=style.GREYS[1],
            edgecolor="black",
            hatch="..",
            height=0.6,
        )
        for yi, n in zip(y, names, strict=True):
            _, lo, hi = values[n]
            if lo is not None and hi is not None:
                ax.plot([lo, hi], [yi, yi], color="black")
        ax.set_yticks(y, [labels.show(n) for n in names])
        ax.set_xlim(0, 1.05)
        ax.set_xlabel("agreement of repeated answers")
        ax.set_title("Stability per label", loc="left")
        style.save(fig, png)
    lowest = min(names, key=lambda n: values[n][0])
    return {"present": True, "lowest": lowest, "lowest_value": round(values[lowest][0], 3)}
