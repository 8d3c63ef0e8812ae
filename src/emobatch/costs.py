"""Token estimates and prices.

Input tokens are estimated with ``emobatch.tokens`` (a documented heuristic that approximates
Gemini's tokenizer; the emulator reports the same counts, so estimate and "actual" agree on the
local backend). Actual costs come from each row's ``usageMetadata``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def chunk_input_tokens(chunk: Path) -> int:
    """Sum of estimated prompt tokens over the requests of a JSONL chunk (streams the file)."""
    from emobatch.tokens import request_prompt_tokens

    total = 0
    with open(chunk, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                total += request_prompt_tokens(json.loads(line)["request"])
    return total


def prices(pricing: dict, model: str, tier: str = "batch") -> dict[str, float] | None:
    """USD per 1M tokens for ``model`` at ``tier`` (batch | interactive), or None if unknown."""
    entry = ((pricing or {}).get("models") or {}).get(model)
    if not entry or tier not in entry:
        return None
    return {k: float(v) for k, v in entry[tier].items()}


def row_cost(
    table: dict[str, float] | None, prompt: int, cached: int, output: int, thoughts: int
) -> float | None:
    """USD of one row.

    (prompt - cached) x input + cached x cached_input + (output + thoughts) x output.
    """
    if table is None:
        return None
    return (
        max(prompt - cached, 0) * table["input"]
        + cached * table.get("cached_input", table["input"])
        + (output + thoughts) * table["output"]
    ) / 1_000_000


def record_estimate(
    ledger: Any, sentinel: dict, chunk: Path, *, pricing: dict, thinking_budget: int
) -> dict | None:
    """Append the chunk's estimated cost to the ledger when its job was just created."""
    from emobatch.estimate import estimate_run

    if sentinel.get("how") == "ledger":  # nothing new was paid for
        return None
    est = estimate_run(
        [chunk],
        model=sentinel["model"],
        pricing=pricing,
        thinking_budget=thinking_budget,
        mode=sentinel["mode"],
        analysis=sentinel["analysis_id"],
    )
    return ledger.append(
        "cost",
        kind="estimate",
        chunk_sha256=sentinel["chunk_sha256"],
        analysis_id=sentinel["analysis_id"],
        attempt=sentinel["attempt"],
        job_name=sentinel["job_name"],
        model=sentinel["model"],
        requests=est["requests"],
        input_tokens=est["input_tokens"],
        output_tokens=est["output_tokens"],
        thinking_tokens=est["thinking_tokens"],
        usd_batch=est["usd_batch"],
        usd_interactive=est["usd_interactive"],
    )


def record_actual(ledger: Any, parsed: Path, *, pricing: dict, model: str) -> list[dict]:
    """Append the actual cost of every job behind a parsed chunk (from usageMetadata)."""
    import pyarrow.parquet as pq

    table = pq.read_table(
        parsed,
        columns=["batch_job", "prompt_tokens", "cached_tokens", "output_tokens", "thoughts_tokens"],
    ).to_pylist()
    per_job: dict[str, dict[str, int]] = {}
    for row in table:
        if not row["batch_job"]:
            continue
        acc = per_job.setdefault(
            row["batch_job"], {"rows": 0, "prompt": 0, "cached": 0, "output": 0, "thoughts": 0}
        )
        acc["rows"] += 1
        for k in ("prompt", "cached", "output", "thoughts"):
            acc[k] += int(row[f"{k}_tokens"] or 0)
    out = []
    for job, t in sorted(per_job.items()):
        usd = row_cost(
            prices(pricing, model, "batch"), t["prompt"], t["cached"], t["output"], t["thoughts"]
        )
        inter = row_cost(
            prices(pricing, model, "interactive"),
            t["prompt"],
            t["cached"],
            t["output"],
            t["thoughts"],
        )
        out.append(
            ledger.append(
                "cost",
                kind="actual",
                job_name=job,
                model=model,
                rows=t["rows"],
                input_tokens=t["prompt"],
                cached_tokens=t["cached"],
                output_tokens=t["output"],
                thinking_tokens=t["thoughts"],
                usd_batch=usd,
                usd_interactive=inter,
                parsed=str(parsed),
            )
        )
    return out
