"""What the report rules need when the Snakefile is read: light, with no pandas or matplotlib.

``workflow/rules/report.smk`` imports this module at parse time, in every Snakemake run
(dry runs included); the drawing code (:mod:`emobatch.report.build`) is imported only by
the rules' scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emobatch import atomic
from emobatch.paths import MODES, RESULTS, ModePaths

#: the figures of :func:`emobatch.report.build.write_figures`, in the order of the report
FIGURES = (
    "emotions",
    "intensity",
    "sentiment",
    "dropped",
    "cost",
    "model_versions",
    "confusion",
    "f1",
    "stability",
)


def current_validation(analysis_id: str, root: Path = RESULTS) -> Path | None:
    """The newest ``results/<mode>.validation.json`` of ``analysis_id`` (any mode), or None."""
    found: list[tuple[float, Path]] = []
    for mode in MODES:
        path = ModePaths(mode, root).validation_json
        if path.exists():
            data = atomic.read_json(path)
            if isinstance(data, dict) and data.get("analysis_id") == analysis_id:
                found.append((path.stat().st_mtime, path))
    return max(found)[1] if found else None


def validation_input(analysis_id: str) -> list[str]:
    """The rules' optional input: the analysis's validation report, when there is one."""
    path = current_validation(analysis_id)
    return [str(path)] if path else []


def stability_input(mode: str) -> list[str]:
    """The rules' optional input: ``results/<mode>.stability.json`` (the repeats stage's)."""
    path = ModePaths(mode).stability
    return [str(path)] if path.exists() else []


class CaptionNumbers(dict[str, Any]):
    """Numbers for report captions; the report lists a rule's params, so it prints short."""

    def __init__(self, data: dict[str, Any], source: str) -> None:
        super().__init__(data)
        self.source = source

    def __repr__(self) -> str:
        return f"(the numbers of {self.source})"

    __str__ = __repr__


def caption_numbers(path: Path | str) -> CaptionNumbers:
    """A JSON file's content for a report caption (empty while it does not exist yet)."""
    try:
        data = atomic.read_json(path)
    except (OSError, ValueError):
        data = {}
    if isinstance(data, dict) and isinstance(data.get("figures"), dict):
        data = data["figures"]
    return CaptionNumbers(data if isinstance(data, dict) else {}, str(path))
