"""Every path of a run, computed in one place.

Layout (relative to the project folder, where Snakemake runs)::

    results/<mode>/<analysis>/filter/{selected.parquet, report.json, dropped.parquet}
    results/<mode>/<analysis>/chunks/chunk-NNNN.jsonl (+ manifest.json)   requests checkpoint
    results/<mode>/<analysis>/estimate.json
    results/<mode>/<analysis>/submitted/<chunk>.json                       job sentinels
    results/<mode>/<analysis>/submitted.json                               all sentinels
    results/<mode>/<analysis>/completed/<chunk>.json                       completion markers
    results/<mode>/<analysis>/raw/<chunk>.jsonl                            downloaded output
    results/<mode>/<analysis>/retries/<chunk>-r<n>.*                       recovery rounds
    results/<mode>/<analysis>/recovered/<chunk>.json                       round manifests
    results/<mode>/<analysis>/parsed/<chunk>.parquet, parsed.json
    results/<mode>.{parquet, csv, summary.json, estimate.json, submitted.json}
    results/<mode>.validation.{json, md}                                    agreement with humans
    results/<mode>.{provenance.json, methods.md, provenance.html}           emobatch.report
    results/<mode>/figures/<figure>.png, <table>.csv, numbers.json, tables.html
    results/validation/sheet.{csv, xlsx}, sheet.design.csv                  the coding sheet
    logs/<mode>/<analysis>/<rule>[/<chunk>].log, logs/analysis.log

:class:`RunPaths` with the wildcards themselves (``RunPaths.pattern()``) gives the Snakemake
patterns, so the rules and the code that reads their outputs cannot disagree. No other module
spells a run path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path("results")
LOGS = Path("logs")
MODES = ("code_check", "pilot", "sampling", "full")
ANALYSIS_RE = re.compile(r"^a[0-9a-f]{11}$")
ANALYSIS_PATTERN = "a[0-9a-f]{11}"
CHUNK_PATTERN = "chunk-[0-9]+"


@dataclass(frozen=True)
class RunPaths:
    """The files of one analysis of one mode."""

    mode: str
    analysis: str
    root: Path = RESULTS

    @classmethod
    def pattern(cls) -> RunPaths:
        """Paths with ``{mode}`` and ``{analysis}`` wildcards (for the rules)."""
        return cls("{mode}", "{analysis}")

    @classmethod
    def of(cls, run_dir: Path | str) -> RunPaths:
        """The run whose folder is ``run_dir`` (``results/<mode>/<analysis>``)."""
        path = Path(run_dir)
        return cls(path.parent.name, path.name, path.parent.parent)

    @property
    def dir(self) -> Path:
        return self.root / self.mode / self.analysis

    def __str__(self) -> str:
        return str(self.dir)

    # -- filter and requests --------------------------------------------------------------
    @property
    def selected(self) -> Path:
        return self.dir / "filter" / "selected.parquet"

    @property
    def filter_report(self) -> Path:
        return self.dir / "filter" / "report.json"

    @property
    def dropped(self) -> Path:
        return self.dir / "filter" / "dropped.parquet"

    @property
    def chunks_dir(self) -> Path:
        return self.dir / "chunks"

    def chunk(self, chunk: str) -> Path:
        return self.chunks_dir / f"{chunk}.jsonl"

    def chunk_files(self) -> list[Path]:
        return sorted(self.chunks_dir.glob("chunk-*.jsonl"))

    @property
    def estimate(self) -> Path:
        return self.dir / "estimate.json"

    # -- batch ----------------------------------------------------------------------------
    def sentinel(self, chunk: str) -> Path:
        return self.dir / "submitted" / f"{chunk}.json"

    def sentinels(self) -> list[Path]:
        return sorted((self.dir / "submitted").glob("*.json"))

    @property
    def submitted(self) -> Path:
        return self.dir / "submitted.json"

    def marker(self, chunk: str) -> Path:
        return self.dir / "completed" / f"{chunk}.json"

    def markers(self) -> list[Path]:
        return sorted((self.dir / "completed").glob("*.json"))

    def raw(self, chunk: str) -> Path:
        return self.dir / "raw" / f"{chunk}.jsonl"

    @property
    def retries_dir(self) -> Path:
        return self.dir / "retries"

    def retry_sentinels(self) -> list[Path]:
        return sorted(self.retries_dir.glob("*.submitted.json"))

    def recovered(self, chunk: str) -> Path:
        return self.dir / "recovered" / f"{chunk}.json"

    # -- results --------------------------------------------------------------------------
    def parsed(self, chunk: str) -> Path:
        return self.dir / "parsed" / f"{chunk}.parquet"

    def parsed_files(self) -> list[Path]:
        return sorted((self.dir / "parsed").glob("*.parquet"))

    @property
    def collected(self) -> Path:
        return self.dir / "parsed.json"

    # -- logs -----------------------------------------------------------------------------
    def log(self, rule: str, chunk: str | None = None) -> Path:
        base = LOGS / self.mode / self.analysis / rule
        return base / f"{chunk}.log" if chunk else base.with_suffix(".log")


@dataclass(frozen=True)
class ModePaths:
    """The mode-level targets: ``results/<mode>.*``."""

    mode: str
    root: Path = RESULTS

    @classmethod
    def pattern(cls) -> ModePaths:
        return cls("{mode}")

    def _file(self, suffix: str) -> Path:
        return self.root / f"{self.mode}{suffix}"

    @property
    def parquet(self) -> Path:
        return self._file(".parquet")

    @property
    def csv(self) -> Path:
        return self._file(".csv")

    @property
    def summary(self) -> Path:
        return self._file(".summary.json")

    @property
    def columns(self) -> Path:
        """The CSV's column types, for R's read.csv(colClasses = ...)."""
        return self._file(".columns.csv")

    @property
    def estimate(self) -> Path:
        return self._file(".estimate.json")

    @property
    def submitted(self) -> Path:
        return self._file(".submitted.json")

    @property
    def stability(self) -> Path:
        """How stable repeat codings are (``repeats`` > 1)."""
        return self._file(".stability.json")

    @property
    def compare(self) -> Path:
        """Agreement with another analysis of the same posts (``compare.against``)."""
        return self._file(".compare.json")

    @property
    def validation_json(self) -> Path:
        return self._file(".validation.json")

    @property
    def validation_md(self) -> Path:
        return self._file(".validation.md")

    # -- report (emobatch.report) ---------------------------------------------------------
    @property
    def provenance(self) -> Path:
        return self._file(".provenance.json")

    @property
    def methods(self) -> Path:
        return self._file(".methods.md")

    @property
    def provenance_html(self) -> Path:
        """The provenance and methods as a page of the Snakemake report (its target)."""
        return self._file(".provenance.html")

    @property
    def report_html(self) -> Path:
        """``snakemake --report`` writes it (not a rule's output)."""
        return self._file(".report.html")

    @property
    def figures_dir(self) -> Path:
        return self.root / self.mode / "figures"

    def figure(self, name: str) -> Path:
        return self.figures_dir / f"{name}.png"

    def table(self, name: str) -> Path:
        return self.figures_dir / f"{name}.csv"

    def figure_numbers(self, name: str = "numbers") -> Path:
        """The numbers figures show, which their report captions quote."""
        return self.figures_dir / f"{name}.json"

    @property
    def tables_html(self) -> Path:
        return self.figures_dir / "tables.html"

    def log(self, rule: str) -> Path:
        return LOGS / self.mode / f"{rule}.log"

    def run(self, analysis: str) -> RunPaths:
        return RunPaths(self.mode, analysis, self.root)


@dataclass(frozen=True)
class ValidationPaths:
    """The human-coding sheet: ``results/validation/sheet.{csv,xlsx}`` and its design sidecar."""

    root: Path = RESULTS

    @property
    def dir(self) -> Path:
        return self.root / "validation"

    @property
    def sheet_csv(self) -> Path:
        return self.dir / "sheet.csv"

    @property
    def sheet_xlsx(self) -> Path:
        return self.dir / "sheet.xlsx"

    @property
    def sheet_design(self) -> Path:
        return self.dir / "sheet.design.csv"

    @property
    def log(self) -> Path:
        return LOGS / "validation" / "validation_sheet.log"


def run_dirs(mode: str | None = None, root: Path = RESULTS) -> list[RunPaths]:
    """Every ``results/<mode>/<analysis>`` folder that exists, sorted by mode and id."""
    out: list[RunPaths] = []
    for m in MODES if mode is None else (mode,):
        base = root / m
        if base.is_dir():
            out.extend(
                RunPaths(m, p.name, root)
                for p in sorted(base.iterdir())
                if p.is_dir() and ANALYSIS_RE.match(p.name)
            )
    return out
