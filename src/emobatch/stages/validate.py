"""Validation stage: the coding sheet, the agreement report, and the gate on ``full``.

- :func:`sheet` writes ``results/validation/sheet.{csv,xlsx}`` and ``sheet.design.csv`` from the
  coded posts of ``validation.sheet.mode`` (see :mod:`emobatch.validation.sheet`).
- :func:`report` writes ``results/<mode>.validation.json`` and ``.md``: the agreement of the
  mode's current analysis with the human codes, and of the offline dictionary baseline on the
  same posts (coded here, free), with the analysis's identity (id, engine, model, codebook), the
  files of human codes with their sha256, whether the coders are simulated, and the gate's
  verdict. Format ``emobatch.validation/1`` of :mod:`emobatch.validation.report` plus the keys
  ``analysis_id``, ``mode``, ``engine``, ``model``, ``codebook_version``, ``dataset``,
  ``human_codes`` ([{path, sha256}]), ``simulated_coders`` and ``gate``.
- :func:`gate` finds the report of the *current* analysis (any mode) and judges it. On a paid
  backend, ``results/full.parquet`` uploads nothing unless it passes or
  ``validation.override_reason`` gives a reason; a report on simulated coders never passes
  there. The offline backend reports the verdict without blocking.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from emobatch import atomic
from emobatch.analysis import Analysis
from emobatch.config import Settings
from emobatch.errors import EmobatchError, ValidationGateClosed
from emobatch.identity import file_sha256
from emobatch.logs import batch_event
from emobatch.paths import MODES, ModePaths
from emobatch.validation import (
    gate_verdict,
    model_labels_from_results,
    read_human_codes,
    render_markdown,
    validation_report,
    write_sheet,
)

log = logging.getLogger("emobatch.validate")
PAID_BACKENDS = frozenset({"gemini", "vertex"})
SIMULATED_PREFIX = "simulated_"


def sheet(
    settings: Settings, analysis: Analysis, dataset: Path, csv: Path, xlsx: Path, design: Path
) -> dict[str, Any]:
    v = settings.validation
    out = write_sheet(
        dataset,
        analysis.codebook,
        csv,
        xlsx,
        size=v.sheet_size,
        seed=v.sheet_seed,
        intensities=v.sheet_intensities,
        min_per_label=v.min_per_label,
        design_csv=design,
    )
    batch_event(
        "validate",
        "coding sheet of %s posts from %s (analysis %s) -> %s, %s",
        out.get("size"),
        dataset,
        analysis.id,
        xlsx,
        csv,
    )
    return out


def _baseline(dataset: Path, posts: list[str]) -> dict[str, dict[str, Any]]:
    """The offline dictionary's codes of ``posts`` (their texts from ``dataset``)."""
    from emobatch.annotators import annotate_many

    frame = pd.read_parquet(dataset, columns=["post_id", "text"])
    frame["post_id"] = frame["post_id"].astype(str)
    texts = frame[frame["post_id"].isin(set(posts))]
    out: dict[str, dict[str, Any]] = {}
    for post, ann in zip(
        texts["post_id"], annotate_many([str(t) for t in texts["text"]]), strict=True
    ):
        out[post] = {
            "primary_emotion": ann.primary_emotion,
            "sentiment": ann.sentiment,
            **{f"intensity_{e}": float(v) for e, v in ann.intensities.items()},
        }
    return out


def _dataset_analysis(dataset: Path) -> str | None:
    ids = pd.read_parquet(dataset, columns=["analysis_id"])["analysis_id"].dropna().unique()
    return str(ids[0]) if len(ids) == 1 else None


def report(
    settings: Settings,
    analysis: Analysis,
    mode: str,
    dataset: Path,
    human_paths: list[Path],
    out_json: Path,
    out_md: Path,
) -> dict[str, Any]:
    v = settings.validation
    if not human_paths:
        raise EmobatchError(
            "no human codes: validation.human_codes is empty",
            hint="give the filled coding sheets to your coders' files "
            '(--config \'validation={"human_codes": ["codes/kim.xlsx", "codes/lee.xlsx"]}\')',
        )
    model = model_labels_from_results(dataset, analysis.codebook)
    known = set(pd.read_parquet(dataset, columns=["post_id"])["post_id"].astype(str))
    human = read_human_codes(human_paths, analysis.codebook, known)
    baseline = _baseline(dataset, list(human.posts))
    body = validation_report(
        human,
        model,
        baseline,
        analysis.codebook,
        seed=v.bootstrap_seed,
        draws=v.draws,
        epsilon=v.alt_test_epsilon,
    )
    simulated = bool(human.coders) and all(c.startswith(SIMULATED_PREFIX) for c in human.coders)
    data = {
        **body,
        "analysis_id": _dataset_analysis(dataset) or analysis.id,
        "mode": mode,
        "engine": analysis.engine.as_dict(),
        "coded_by": analysis.engine.describe(),
        "model": analysis.model.name,
        "codebook_version": analysis.codebook.version,
        "dataset": str(dataset),
        "human_codes": [{"path": str(p), "sha256": file_sha256(p)} for p in human_paths],
        "simulated_coders": simulated,
    }
    data["gate"] = _verdict(settings, data).as_dict()
    atomic.write_json(out_json, data)
    md = render_markdown(data)
    if simulated:
        md = (
            "> **SIMULATED CODERS.** These codes were made by a program from the model's own "
            "answers (data/validation/README.md); the figures demonstrate the report, they do "
            "not validate anything.\n\n" + md
        )
    with atomic.atomic_path(out_md) as tmp:
        tmp.write_text(md, encoding="utf-8")
    fig = data["fields"].get(v.gate_field, {}).get(v.gate_metric) or {}
    batch_event(
        "validate",
        "%s analysis %s: %d posts, %d coders%s; %s %s = %s %s; gate: %s",
        mode,
        data["analysis_id"],
        data["items"],
        len(human.coders),
        " (SIMULATED)" if simulated else "",
        v.gate_field,
        v.gate_metric,
        fig.get("value"),
        fig.get("ci"),
        data["gate"]["reason"],
    )
    return data


def _verdict(settings: Settings, data: dict[str, Any] | None) -> Any:
    v = settings.validation
    verdict = gate_verdict(
        data,
        metric=v.gate_metric,
        field=v.gate_field,
        bound=v.gate_bound,
        threshold=v.gate_threshold,
        override_reason=v.override_reason,
    )
    if (
        data is not None
        and data.get("simulated_coders")
        and verdict.reason == "passed"
        and settings.backend in PAID_BACKENDS
    ):
        from emobatch.validation import GateVerdict

        return GateVerdict(
            passed=False,
            measured=verdict.measured,
            needed=verdict.needed,
            reason="simulated_coders",
            message=(
                "the validation report is based on SIMULATED coders (the offline "
                "demonstration), which validate nothing. Code the sheet with people and set "
                "validation.human_codes to their files, or set validation.override_reason."
            ),
        )
    return verdict


def current_report(analysis: Analysis) -> tuple[Path | None, dict[str, Any] | None]:
    """The newest validation report of ``analysis`` among the modes' reports."""
    found: list[tuple[float, Path, dict[str, Any]]] = []
    for mode in MODES:
        path = ModePaths(mode).validation_json
        if path.exists():
            data = atomic.read_json(path)
            if data.get("analysis_id") == analysis.id:
                found.append((path.stat().st_mtime, path, data))
    if not found:
        return None, None
    _, path, data = max(found, key=lambda x: x[0])
    return path, data


def gate_status(settings: Settings, analysis: Analysis, mode: str) -> dict[str, Any]:
    """The gate's verdict for ``mode`` (only ``full`` is gated), with the report's path."""
    path, data = current_report(analysis)
    verdict = _verdict(settings, data)
    out = {
        "gated": mode == "full",
        "report": str(path) if path else None,
        **verdict.as_dict(),
        "override_reason": settings.validation.override_reason
        if verdict.reason == "override"
        else None,
    }
    return out


def gate(settings: Settings, analysis: Analysis, mode: str) -> dict[str, Any]:
    """Check the gate before uploading for ``mode``; raises ValidationGateClosed on a paid
    backend when it is closed (the offline backend only warns)."""
    out = gate_status(settings, analysis, mode)
    if not out["gated"]:
        return out
    if out["override_reason"]:
        batch_event(
            "validate", "full analysis %s: gate overridden: %s", analysis.id, out["override_reason"]
        )
    if out["passed"]:
        return out
    path = out["report"]
    where = f" ({path})" if path else ""
    if settings.backend in PAID_BACKENDS:
        batch_event(
            "validate", "full analysis %s: gate CLOSED%s: %s", analysis.id, where, out["reason"]
        )
        raise ValidationGateClosed(
            f"results/full.parquet on backend {settings.backend}: the validation gate is closed "
            f"for analysis {analysis.id}{where}. {out['message']} Nothing was uploaded.",
            hint="snakemake --cores 2 results/sampling.validation.json (after your coders filled "
            'results/validation/sheet.xlsx), or --config \'validation={"override_reason": '
            '"..."}\'',
        )
    log.warning(
        "validation gate for full (analysis %s)%s: %s (offline backend: not blocking)",
        analysis.id,
        where,
        out["message"],
    )
    return out
