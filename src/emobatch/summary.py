"""The end-of-run summary: posts, tokens, USD, and the saving against interactive calls."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch import atomic
from emobatch.config import Settings
from emobatch.costs import prices, row_cost

log = logging.getLogger("emobatch.summary")


def _sum(table: Any, column: str) -> int:
    return int(pc.sum(table[column]).as_py() or 0)


def summarise(settings: Settings, counts: dict[str, Any], dataset: Path) -> dict[str, Any]:
    table = pq.read_table(
        dataset,
        columns=[
            "status",
            "result_source",
            "prompt_tokens",
            "output_tokens",
            "thoughts_tokens",
            "cached_tokens",
        ],
    )
    now = table.filter(pc.equal(table["result_source"], "this_run"))
    tokens = {k: _sum(now, f"{k}_tokens") for k in ("prompt", "output", "thoughts", "cached")}
    model = settings.batch.model_name
    batch = row_cost(
        prices(settings.pricing, model, "batch"),
        tokens["prompt"],
        tokens["cached"],
        tokens["output"],
        tokens["thoughts"],
    )
    inter = row_cost(
        prices(settings.pricing, model, "interactive"),
        tokens["prompt"],
        tokens["cached"],
        tokens["output"],
        tokens["thoughts"],
    )
    return {
        **counts,
        "backend": settings.backend,
        "model": model,
        "tokens_this_run": tokens,
        "cost_usd_batch": None if batch is None else round(batch, 6),
        "cost_usd_interactive_equivalent": None if inter is None else round(inter, 6),
        "saving_usd": None if batch is None or inter is None else round(inter - batch, 6),
        "prices_taken_on": (settings.pricing or {}).get("taken_on"),
        "note": (
            "local backend: no money was spent; the costs are what Gemini would charge "
            "for the same token counts"
        )
        if settings.backend == "local"
        else None,
    }


def format_summary(s: dict[str, Any]) -> str:
    t = s["tokens_this_run"]
    usd = s.get("cost_usd_batch")
    inter = s.get("cost_usd_interactive_equivalent")
    lines = [
        f"emobatch run summary: mode {s['mode']}, analysis {s['analysis_id']}, "
        f"model {s['model']}, backend {s['backend']}",
        f"  posts      {s['posts']:>9,}  ({s['ok']:,} ok, {s['failed']:,} failed; "
        f"{s['this_run']:,} coded now, {s['from_history']:,} from earlier analyses)",
        f"  tokens     {t['prompt']:>9,} input ({t['cached']:,} cached), "
        f"{t['output']:,} output, {t['thoughts']:,} thinking",
    ]
    if usd is not None and inter is not None:
        lines.append(
            f"  cost       ${usd:,.4f} batch  vs ${inter:,.4f} interactive  "
            f"(saved ${inter - usd:,.4f}, prices of {s.get('prices_taken_on')})"
        )
    if s.get("note"):
        lines.append(f"  note       {s['note']}")
    return "\n".join(lines)


def write_summary(
    settings: Settings, counts: dict[str, Any], *, dataset: Path, out: Path
) -> dict[str, Any]:
    summary = summarise(settings, counts, dataset)
    atomic.write_json(out, summary)
    for line in format_summary(summary).splitlines():
        log.info(line)
    return summary
