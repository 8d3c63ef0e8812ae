"""The report's rule bodies: gather a mode's files, then draw, record and write.

Called by the adapters in :mod:`emobatch.workflow` (rules in ``workflow/rules/report.smk``).
The analysis reported is the one the mode's dataset holds, which must be the current
configuration's (the rules' inputs are its files); the validation report is the newest one of
that analysis in any mode (:func:`current_validation`, the rule of
:func:`emobatch.stages.validate.current_report`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from emobatch import atomic
from emobatch.analysis import Analysis
from emobatch.config import Settings
from emobatch.errors import EmobatchError
from emobatch.paths import ModePaths
from emobatch.report import build, page, provenance
from emobatch.report.methods import write_methods
from emobatch.report.runfiles import RunFiles

log = logging.getLogger("emobatch.report")


def _optional(paths: list[Path]) -> tuple[Path, dict[str, Any]] | None:
    if not paths:
        return None
    data = atomic.read_json(paths[0])
    return (paths[0], data) if isinstance(data, dict) else None


def _check(dataset: Path, analysis: Analysis) -> None:
    ids = pd.read_parquet(dataset, columns=["analysis_id"])["analysis_id"].dropna().unique()
    if len(ids) and set(map(str, ids)) != {analysis.id}:
        raise EmobatchError(
            f"{dataset} holds analysis {', '.join(map(str, ids))}, but the configuration "
            f"defines analysis {analysis.id}",
            hint=f"ask for the target again (snakemake --cores 2 {dataset}) so the dataset "
            "is of the current analysis, then for the report",
        )


def figures(
    settings: Settings,
    analysis: Analysis,
    mode: str,
    dataset: Path,
    validation: list[Path],
    stability: list[Path],
) -> dict[str, Any]:
    _check(dataset, analysis)
    paths = ModePaths(mode)
    found = _optional(validation)
    out = build.write_figures(
        mode=paths,
        dataset=dataset,
        codebook=analysis.codebook,
        summary=atomic.read_json(paths.summary),
        run=RunFiles.load(paths.run(analysis.id), settings.ledger_path),
        validation=found[1] if found else None,
        stability=(_optional(stability) or (None, None))[1],
    )
    log.info("figures of %s in %s", mode, paths.figures_dir)
    return out


def group_figure(analysis: Analysis, mode: str, dataset: Path, column: str) -> dict[str, Any]:
    numbers = build.write_group_figure(
        mode=ModePaths(mode), dataset=dataset, codebook=analysis.codebook, column=column
    )
    if not numbers["present"]:
        log.warning("report.group_by: the dataset %s has no column %r", dataset, column)
    return numbers


def write_provenance(
    settings: Settings,
    analysis: Analysis,
    mode: str,
    dataset: Path,
    validation: list[Path],
    stability: list[Path],
    out: Path,
) -> dict[str, Any]:
    _check(dataset, analysis)
    paths = ModePaths(mode)
    src = provenance.Sources(
        mode=mode,
        dataset=dataset,
        summary=atomic.read_json(paths.summary),
        run=RunFiles.load(paths.run(analysis.id), settings.ledger_path),
        validation=_optional(validation),
        stability=_optional(stability),
    )
    record = provenance.write(src, settings, analysis, out)
    log.info(
        "provenance of %s: %d job(s), input sha256 %s, answered by %s",
        mode,
        record["batch"]["jobs_count"],
        record["input"].get("sha256"),
        ", ".join(record["model"]["answered"]) or "-",
    )
    return record


def methods(provenance_path: Path, out: Path) -> None:
    facts = write_methods(provenance_path, out)
    log.info("methods draft %s: %d values quoted from %s", out, len(facts), provenance_path)


def provenance_page(
    provenance_path: Path, methods_path: Path, files: list[Path], out: Path
) -> None:
    page.write_page(provenance_path, methods_path, files, out)
