"""What a run will cost, before anything is submitted; and the budget cap.

Method (documented in README "Operating a run"):

- **input tokens**: every request of every chunk is counted with ``emobatch.tokens`` (the
  codebook in ``systemInstruction`` + the post). The local emulator reports exactly these
  counts. Gemini's real tokenizer differs by roughly 10-20 %; with ``backend: gemini`` and a key,
  a sample of up to 20 requests is also counted by the API's ``count_tokens`` and the estimate is
  scaled by the observed ratio.
- **output tokens**: per request, the tokens of a typical full answer of the codebook's schema
  (all eight intensities, sentiment, score and a rationale of ``RATIONALE_TOKENS`` tokens).
- **thinking tokens**: ``generation.thinking_budget`` per request (an upper bound; 0 = none).
- **USD**: the price table in the config, at batch and at interactive prices.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emobatch.costs import prices, row_cost
from emobatch.errors import BudgetExceeded
from emobatch.labels import EMOTIONS

log = logging.getLogger("emobatch.estimate")
RATIONALE_TOKENS = 24


def typical_answer_tokens(emotions: Sequence[str] = EMOTIONS) -> int:
    """Tokens of a typical complete answer (what the model writes for one post)."""
    from emobatch.tokens import count_tokens

    answer = {
        "primary_emotion": "anticipation",
        "intensities": {e: 0.25 for e in emotions},
        "sentiment": "positive",
        "sentiment_score": 0.45,
        "rationale": "",
    }
    return count_tokens(json.dumps(answer, ensure_ascii=False)) + RATIONALE_TOKENS


def _scan_chunk(chunk: Path) -> tuple[int, int, list[dict[str, Any]]]:
    from emobatch.tokens import request_prompt_tokens

    requests = tokens = 0
    sample: list[dict[str, Any]] = []
    with open(chunk, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            request = json.loads(line)["request"]
            requests += 1
            tokens += request_prompt_tokens(request)
            if len(sample) < 20:
                sample.append(request)
    return requests, tokens, sample


def estimate_run(
    chunks: Sequence[Path],
    *,
    model: str,
    pricing: dict[str, Any],
    thinking_budget: int,
    mode: str,
    analysis: str,
    token_ratio: float = 1.0,
) -> dict[str, Any]:
    """Requests, tokens and USD (batch and interactive) of submitting ``chunks``."""
    requests = input_tokens = 0
    for chunk in chunks:
        n, t, _ = _scan_chunk(chunk)
        requests += n
        input_tokens += t
    input_tokens = round(input_tokens * token_ratio)
    output_tokens = requests * typical_answer_tokens()
    thinking_tokens = requests * thinking_budget
    batch = row_cost(
        prices(pricing, model, "batch"), input_tokens, 0, output_tokens, thinking_tokens
    )
    inter = row_cost(
        prices(pricing, model, "interactive"), input_tokens, 0, output_tokens, thinking_tokens
    )
    return {
        "format": "emobatch.estimate/1",
        "mode": mode,
        "analysis_id": analysis,
        "model": model,
        "chunks": len(chunks),
        "requests": requests,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "thinking_tokens": thinking_tokens,
        "token_ratio_applied": token_ratio,
        "usd_batch": None if batch is None else round(batch, 6),
        "usd_interactive": None if inter is None else round(inter, 6),
        "usd_saving": None if batch is None or inter is None else round(inter - batch, 6),
        "prices_taken_on": (pricing or {}).get("taken_on"),
        "method": "emobatch.tokens heuristic for input; typical schema answer for output; "
        "thinking_budget per request for thinking",
    }


def check_budget(estimate: dict[str, Any], budget_usd: float | None) -> None:
    """Raise BudgetExceeded (before any upload) when the estimate is above the budget."""
    usd = estimate.get("usd_batch")
    if budget_usd is None or usd is None or usd <= budget_usd:
        return
    raise BudgetExceeded(
        f"the estimated cost of {estimate['mode']} is ${usd:,.4f} at batch prices "
        f"({estimate['requests']:,} requests, {estimate['input_tokens']:,} input and "
        f"~{estimate['output_tokens']:,} output tokens on {estimate['model']}), above "
        f"budget_usd = ${budget_usd:,.4f}. Nothing was uploaded or submitted.",
        hint="raise budget_usd (e.g. --config budget_usd=...), pick a smaller mode, or a "
        "cheaper model (batch.model_name: gemini-2.5-flash-lite)",
    )


def api_token_ratio(client: Any, model: str, sample: Sequence[dict[str, Any]]) -> float | None:
    """Ratio of the API's ``count_tokens`` to our heuristic on a sample (None if unavailable)."""
    from emobatch.tokens import request_prompt_tokens

    ours = theirs = 0
    try:
        for request in sample:
            system = request.get("systemInstruction")
            config = {"system_instruction": system} if system else None
            resp = client.models.count_tokens(
                model=model, contents=request["contents"], config=config
            )
            theirs += int(resp.total_tokens or 0)
            ours += request_prompt_tokens(request)
    except Exception as exc:
        log.warning("count_tokens on a sample failed (%s); using the heuristic alone", exc)
        return None
    return theirs / ours if ours else None
