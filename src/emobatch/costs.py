"""Prices and costs, from the model catalogue.

Prices come from :mod:`emobatch.catalogue` (USD per 1M tokens, by delivery: batch, flex,
interactive; each table carries the date it was taken and its source). Actual costs come from
each row's ``usageMetadata``, priced at the model that *answered* (``modelVersion``) where the
catalogue knows it: a call routed to a successor is billed at the successor's rates.

Cost of one row = (prompt - cached) x input + cached x cached_input + (output + thoughts) x output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from emobatch.catalogue import Catalogue


def chunk_input_tokens(chunk: Path) -> int:
    """Sum of estimated prompt tokens over the requests of a JSONL chunk (streams the file)."""
    import json

    from emobatch.tokens import request_prompt_tokens

    total = 0
    with open(chunk, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                total += request_prompt_tokens(json.loads(line)["request"])
    return total


def prices(
    catalogue: Catalogue, model: str | None, delivery: str = "batch", on: dt.date | None = None
) -> dict[str, float] | None:
    """USD per 1M tokens for ``model`` (or its family) at ``delivery``; None if unknown."""
    family = catalogue.family(model)
    entry = catalogue.get(family) if family else None
    if entry is None or delivery not in entry.prices:
        return None
    return entry.price(delivery, on).as_dict()


def row_cost(
    table: dict[str, float] | None, prompt: int, cached: int, output: int, thoughts: int
) -> float | None:
    """USD of one row (or of summed token counts)."""
    if table is None:
        return None
    return (
        max(prompt - cached, 0) * table["input"]
        + cached * table.get("cached_input", table["input"])
        + (output + thoughts) * table["output"]
    ) / 1_000_000


def priced_model(catalogue: Catalogue, requested: str, answered: str | None) -> str:
    """The model whose price applies: the answering one where the catalogue knows it."""
    family = catalogue.family(answered)
    if family and catalogue.get(family) is not None:
        return family
    return requested


def record_actual(
    ledger: Any, parsed: Path, *, catalogue: Catalogue, model: str
) -> list[dict[str, Any]]:
    """Append the actual cost of every job behind a parsed chunk (from usageMetadata).

    ``usd_batch`` sums the rows' ``cost_usd`` (priced at the answering model); the
    interactive-equivalent is priced the same way.
    """
    import pyarrow.parquet as pq

    table = pq.read_table(
        parsed,
        columns=[
            "batch_job",
            "prompt_tokens",
            "cached_tokens",
            "output_tokens",
            "thoughts_tokens",
            "model_version",
            "cost_usd",
        ],
    ).to_pylist()
    per_job: dict[str, dict[str, Any]] = {}
    for row in table:
        if not row["batch_job"]:
            continue
        acc = per_job.setdefault(
            row["batch_job"],
            {"rows": 0, "prompt": 0, "cached": 0, "output": 0, "thoughts": 0, "usd": 0.0,
             "inter": 0.0, "versions": set()},
        )  # fmt: skip
        acc["rows"] += 1
        for k in ("prompt", "cached", "output", "thoughts"):
            acc[k] += int(row[f"{k}_tokens"] or 0)
        acc["usd"] += float(row["cost_usd"] or 0.0)
        priced = priced_model(catalogue, model, row["model_version"])
        acc["inter"] += (
            row_cost(
                prices(catalogue, priced, "interactive"),
                int(row["prompt_tokens"] or 0),
                int(row["cached_tokens"] or 0),
                int(row["output_tokens"] or 0),
                int(row["thoughts_tokens"] or 0),
            )
            or 0.0
        )
        if row["model_version"]:
            acc["versions"].add(row["model_version"])
    out = []
    for job, t in sorted(per_job.items()):
        out.append(
            ledger.append(
                "cost",
                kind="actual",
                job_name=job,
                model=model,
                model_versions=sorted(t["versions"]),
                rows=t["rows"],
                input_tokens=t["prompt"],
                cached_tokens=t["cached"],
                output_tokens=t["output"],
                thinking_tokens=t["thoughts"],
                usd_batch=round(t["usd"], 8),
                usd_interactive=round(t["inter"], 8),
                parsed=str(parsed),
            )
        )
    return out
