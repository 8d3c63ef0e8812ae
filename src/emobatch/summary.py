"""The end-of-run summary: what coded the rows, posts, tokens, USD, and loud warnings.

``results/<mode>.summary.json`` (format ``emobatch.summary/2``) and the same lines in the rule's
log and ``logs/analysis.log``. It always names the analysis the dataset holds and its engine in
plain words ("coded by the offline dictionary baseline ..., not an LLM"), every ``modelVersion``
that answered with its row count, and a WARNING line for rows answered by another model than
the engine's (silent routing). Costs are computed per answering model at batch, flex and
interactive prices from the model catalogue.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch import atomic
from emobatch.analysis import Analysis
from emobatch.catalogue import DELIVERIES
from emobatch.config import Settings
from emobatch.costs import prices, row_cost
from emobatch.routing import AnswerCheck

log = logging.getLogger("emobatch.summary")
FORMAT = "emobatch.summary/2"
_TOKENS = ("prompt", "output", "thoughts", "cached")


def _sum(table: pa.Table, column: str) -> int:
    return int(pc.sum(table[column]).as_py() or 0)


def _by_version(table: pa.Table) -> dict[str | None, dict[str, int]]:
    out: dict[str | None, dict[str, int]] = {}
    if table.num_rows == 0:
        return out
    grouped = table.group_by("model_version").aggregate(
        [("post_id", "count"), *[(f"{k}_tokens", "sum") for k in _TOKENS]]
    )
    for row in grouped.to_pylist():
        out[row["model_version"]] = {
            "rows": int(row["post_id_count"]),
            **{k: int(row[f"{k}_tokens_sum"] or 0) for k in _TOKENS},
        }
    return out


def summarise(
    settings: Settings, analysis: Analysis, counts: dict[str, Any], dataset: Path
) -> dict[str, Any]:
    table = pq.read_table(
        dataset,
        columns=[
            "post_id",
            "status",
            "result_source",
            "model_version",
            *[f"{k}_tokens" for k in _TOKENS],
        ],
    )
    now = table.filter(pc.equal(table["result_source"], "this_run"))
    tokens = {k: _sum(now, f"{k}_tokens") for k in _TOKENS}
    check = AnswerCheck.of(analysis)
    versions = _by_version(now)
    usd: dict[str, float | None] = dict.fromkeys(DELIVERIES, 0.0)
    for mv, t in versions.items():
        model = check.priced_model(mv)
        for d in DELIVERIES:
            cost = row_cost(
                prices(analysis.catalogue, model, d), t["prompt"], t["cached"], t["output"],
                t["thoughts"],
            )  # fmt: skip
            usd[d] = None if cost is None or usd[d] is None else usd[d] + cost  # type: ignore[operator]
    routed = {mv: t["rows"] for mv, t in versions.items() if mv and check.routed(mv)}
    warnings = [*analysis.generation.warnings]
    warnings += [f"{n:,} row(s): {check.describe(mv)}" for mv, n in sorted(routed.items())]
    batch, inter = usd["batch"], usd["interactive"]
    return {
        "format": FORMAT,
        **counts,
        "backend": settings.backend,
        "engine": analysis.engine.as_dict(),
        "engine_tag": analysis.engine.tag,
        "coded_by": analysis.engine.describe(),
        "model": analysis.model.name,
        "model_status": analysis.model.status,
        "model_versions": {str(mv): t["rows"] for mv, t in versions.items()},
        "routed_rows": sum(routed.values()),
        "generation": analysis.generation.describe(),
        "tokens_this_run": tokens,
        "delivery": analysis.delivery,
        "repeats": analysis.repeats,
        "posts_per_request": analysis.posts_per_request,
        "cost_usd": _round(usd[analysis.delivery]),  # at the delivery's price
        "cost_usd_batch": _round(batch),
        "cost_usd_flex_equivalent": _round(usd["flex"]),
        "cost_usd_interactive_equivalent": _round(inter),
        "saving_usd": None if batch is None or inter is None else round(inter - batch, 6),
        "prices_taken_on": analysis.model.prices_taken_on,
        "prices_source": analysis.model.prices_source,
        "warnings": warnings,
        "note": (
            "local backend: no money was spent; the costs are what Gemini would charge "
            "for the same token counts"
        )
        if settings.backend == "local"
        else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def format_summary(s: dict[str, Any]) -> str:
    t = s["tokens_this_run"]
    usd = s.get("cost_usd_batch")
    inter = s.get("cost_usd_interactive_equivalent")
    answered = ", ".join(f"{mv} ({n:,})" for mv, n in s.get("model_versions", {}).items())
    lines = [
        f"emobatch run summary: mode {s['mode']}, analysis {s['analysis_id']}, "
        f"model {s['model']}, backend {s['backend']}",
        f"  engine     {s['coded_by']}",
        f"  posts      {s['posts']:>9,}  ({s['ok']:,} ok, {s['failed']:,} failed; "
        f"{s['this_run']:,} coded now, {s['from_history']:,} from earlier runs of this analysis)",
        f"  answered   {answered or '-'}",
        f"  tokens     {t['prompt']:>9,} input ({t['cached']:,} cached), "
        f"{t['output']:,} output, {t['thoughts']:,} thinking",
    ]
    delivery = s.get("delivery", "batch")
    paid = s.get("cost_usd", usd)
    if delivery != "batch" and paid is not None and usd is not None and inter is not None:
        lines.append(
            f"  cost       ${paid:,.4f} {delivery}  (batch would be ${usd:,.4f}, flex "
            f"${s.get('cost_usd_flex_equivalent') or 0:,.4f}, interactive ${inter:,.4f}; prices "
            f"of {s.get('prices_taken_on')})"
        )
    elif usd is not None and inter is not None:
        lines.append(
            f"  cost       ${usd:,.4f} batch  vs ${inter:,.4f} interactive  "
            f"(saved ${inter - usd:,.4f}, prices of {s.get('prices_taken_on')})"
        )
    gate = s.get("validation") or {}
    if gate.get("gated") or gate.get("report"):
        lines.append(f"  validation {gate.get('message')}")
    if gate.get("override_reason"):
        lines.append(f"  WARNING    validation gate overridden: {gate['override_reason']}")
    for warning in s.get("warnings") or []:
        lines.append(f"  WARNING    {warning}")
    if s.get("note"):
        lines.append(f"  note       {s['note']}")
    return "\n".join(lines)


def write_summary(
    settings: Settings,
    analysis: Analysis,
    counts: dict[str, Any],
    *,
    dataset: Path,
    out: Path,
) -> dict[str, Any]:
    summary = summarise(settings, analysis, counts, dataset)
    atomic.write_json(out, summary)
    for line in format_summary(summary).splitlines():
        if line.lstrip().startswith("WARNING"):
            log.warning(line)
        else:
            log.info(line)
    return summary
