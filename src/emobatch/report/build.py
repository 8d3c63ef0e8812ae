"""Draw every figure of a mode and record the numbers the captions quote.

``results/<mode>/figures/``: ``emotions``, ``intensity``, ``sentiment``, ``dropped``, ``cost``,
``model_versions``, ``confusion``, ``f1``, ``stability`` (``.png``; the first ones with a
``.csv`` table), ``tables.html`` (the tables, for the report) and ``numbers.json``
(``emobatch.figure-numbers/1``: ``{"format", "mode", "analysis_id", "figures": {name:
{number: value}}}``). ``emotion_by_<column>.{png,csv,json}`` come from
:func:`write_group_figure`, one rule job per column of ``report.group_by``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from emobatch import atomic
from emobatch.codebook import Codebook
from emobatch.paths import ModePaths
from emobatch.report import agreement, figures, quality
from emobatch.report.runfiles import RunFiles

FORMAT = "emobatch.figure-numbers/1"
TABLES = ("emotions", "dropped", "cost", "model_versions")
COLUMNS = [
    "post_id",
    "status",
    "error_reason",
    "primary_emotion",
    "sentiment",
    "sentiment_score",
    "model_version",
    "model_routed",
    "analysis_id",
]


def read_dataset(dataset: Path, codebook: Codebook, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    names = set(pq.read_schema(dataset).names)
    wanted = [*COLUMNS, *(f"intensity_{e}" for e in codebook.emotions), *extra]
    return pd.read_parquet(dataset, columns=[c for c in dict.fromkeys(wanted) if c in names])


def write_figures(
    *,
    mode: ModePaths,
    dataset: Path,
    codebook: Codebook,
    summary: dict[str, Any],
    run: RunFiles,
    validation: dict[str, Any] | None,
    stability: dict[str, Any] | None,
) -> dict[str, Any]:
    data = read_dataset(dataset, codebook)
    labels = figures.Labels.of(codebook)
    mode.figures_dir.mkdir(parents=True, exist_ok=True)
    fig, tab = mode.figure, mode.table
    numbers = {
        "emotions": figures.emotion_distribution(data, labels, fig("emotions"), tab("emotions")),
        "intensity": figures.intensity(data, labels, fig("intensity")),
        "sentiment": figures.sentiment(data, fig("sentiment")),
        "dropped": quality.dropped(run.filter_report, data, fig("dropped"), tab("dropped")),
        "cost": quality.cost(run.chunk_costs(), fig("cost"), tab("cost")),
        "model_versions": quality.model_versions(
            data, list(summary.get("warnings") or []), fig("model_versions"), tab("model_versions")
        ),
        "confusion": agreement.confusion(validation, labels, fig("confusion")),
        "f1": agreement.f1(validation, labels, fig("f1")),
        "stability": agreement.stability(stability, labels, fig("stability")),
    }
    numbers["cost"]["summary_usd_batch"] = summary.get("cost_usd_batch")
    numbers["cost"]["prices_taken_on"] = summary.get("prices_taken_on")
    numbers["cost"]["note"] = summary.get("note") or ""
    out = {
        "format": FORMAT,
        "mode": mode.mode,
        "analysis_id": run.run.analysis,
        "figures": numbers,
    }
    atomic.write_json(mode.figure_numbers(), out)
    write_tables_html(mode, numbers)
    return out


def write_group_figure(
    *, mode: ModePaths, dataset: Path, codebook: Codebook, column: str
) -> dict[str, Any]:
    names = pq.read_schema(dataset).names
    data = read_dataset(dataset, codebook, (column,) if column in names else ())
    name = f"emotion_by_{column}"
    mode.figures_dir.mkdir(parents=True, exist_ok=True)
    numbers = figures.emotion_by(
        data, column, figures.Labels.of(codebook), mode.figure(name), mode.table(name)
    )
    atomic.write_json(mode.figure_numbers(name), {"format": FORMAT, "figures": {name: numbers}})
    return numbers


def write_tables_html(mode: ModePaths, numbers: dict[str, Any]) -> Path:
    """The main tables as one page of the report."""
    titles = {
        "emotions": "Primary emotion: posts and shares",
        "dropped": "Rows dropped (filter) and failed (coding), by reason",
        "cost": "Estimated and actual cost per chunk (USD, batch prices)",
        "model_versions": "Rows per answering model version",
    }
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>emobatch {html.escape(mode.mode)}: tables</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Tables of {html.escape(mode.mode)}</h1>",
    ]
    for name in TABLES:
        frame = pd.read_csv(mode.table(name), keep_default_na=False)
        parts.append(f"<h2>{html.escape(titles[name])}</h2>")
        parts.append(frame.to_html(index=False, border=0, escape=True))
        parts.append(f"<p class='file'>{html.escape(str(mode.table(name)))}</p>")
    parts.append("</body></html>")
    with atomic.atomic_path(mode.tables_html) as tmp:
        tmp.write_text("\n".join(parts), encoding="utf-8")
    return mode.tables_html


CSS = (
    "body{font-family:'NanumGothic','Noto Sans CJK KR','Malgun Gothic','Apple SD Gothic Neo',"
    "sans-serif;margin:1.5em;color:#111;background:#fff;font-size:14px;max-width:70em}"
    "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #999;"
    "padding:.2em .6em;text-align:left}th{background:#e6e6e6}h1{font-size:1.4em}"
    "h2{font-size:1.1em;margin-top:1.5em}.file{color:#555;font-size:.85em}"
    "pre{white-space:pre-wrap;background:#f3f3f3;padding:.6em}.todo{background:#ddd;"
    "font-weight:bold}"
)
