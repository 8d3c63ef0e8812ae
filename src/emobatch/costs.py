"""Token estimates and prices.

Input tokens are estimated with ``emobatch.tokens`` (a documented heuristic that approximates
Gemini's tokenizer; the emulator reports the same counts, so estimate and "actual" agree on the
local backend). Actual costs come from each row's ``usageMetadata``.
"""

from __future__ import annotations

import json
from pathlib import Path


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
