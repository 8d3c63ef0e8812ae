"""What a run will cost, before anything is submitted; and the budget cap.

Method (documented in README "Operating a run"):

- **input tokens**: every request of every chunk is counted with ``emobatch.tokens`` (the
  codebook in ``systemInstruction`` + the post). The local emulator reports exactly these
  counts. Gemini's real tokenizer differs by roughly 10-20 %; with ``backend: gemini`` and a key,
  a sample of up to 20 requests is also counted by the provider's ``countTokens`` (through the
  backend seam; the emulator answers it too) and the estimate is scaled by the observed ratio.
- **output tokens**: per post, the tokens of a typical full answer of the codebook's schema
  (all eight intensities, sentiment, score and a rationale of ``RATIONALE_TOKENS`` tokens; no
  rationale when the codebook is lean, ``rationale.max_words: 0``), plus the ``id`` of each
  answer when posts are packed (``batch.posts_per_request``).
- **thinking tokens**: per request, the thinking budget sent (2.5 models; an upper bound) or a
  nominal figure for the thinking level sent (3.x models;
  :data:`emobatch.generation.LEVEL_THINKING_ESTIMATE`).
- **USD**: the model catalogue's prices, at batch, flex and interactive rates.
- **variants**: ``usd_per_1000_posts_variants`` prices the same posts packed 10 or 25 to a
  request and with the lean codebook (:mod:`emobatch.model_costs` documents the token model).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobatch.catalogue import DELIVERIES
from emobatch.costs import prices, row_cost
from emobatch.errors import BudgetExceeded
from emobatch.labels import EMOTIONS

if TYPE_CHECKING:
    from emobatch.analysis import Analysis
    from emobatch.ledger import Ledger
    from emobatch.records import Sentinel

log = logging.getLogger("emobatch.estimate")
RATIONALE_TOKENS = 24


def typical_answer_tokens(
    emotions: Sequence[str] = EMOTIONS,
    *,
    rationale: bool = True,
    intensities: bool = True,
    keys: Mapping[str, str] | None = None,
) -> int:
    """Tokens of a typical complete answer (what the model writes for one post).

    ``rationale=False`` is the lean answer (``rationale.max_words: 0``): no rationale field;
    ``intensities=False`` the answer of a codebook with ``intensity: null``; ``keys`` the
    codebook's wire keys (field -> short key, ``wire_keys``).
    """
    from emobatch.tokens import count_tokens

    answer: dict[str, Any] = {"primary_emotion": "anticipation"}
    if intensities:
        answer["intensities"] = {e: 0.25 for e in emotions}
    answer |= {"sentiment": "positive", "sentiment_score": 0.45}
    if rationale:
        answer["rationale"] = ""
    written = {(keys or {}).get(k, k): v for k, v in answer.items()}
    return count_tokens(json.dumps(written, ensure_ascii=False)) + (
        RATIONALE_TOKENS if rationale else 0
    )


def scan_chunk(chunk: Path) -> tuple[int, int, list[dict[str, Any]]]:
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
    analysis: Analysis,
    mode: str,
    token_ratio: float = 1.0,
    on: dt.date | None = None,
) -> dict[str, Any]:
    """Requests, tokens and USD (batch, flex and interactive) of submitting ``chunks``."""
    from emobatch.model_costs import ITEM_OUTPUT_TOKENS
    from emobatch.responses import chunk_keys

    requests = input_tokens = posts = 0
    for chunk in chunks:
        n, t, _ = scan_chunk(chunk)
        requests += n
        input_tokens += t
        posts += len(chunk_keys(chunk))
    input_tokens = round(input_tokens * token_ratio)
    codebook = analysis.codebook
    answer = typical_answer_tokens(
        codebook.emotions,
        rationale=codebook.has_rationale,
        intensities=codebook.has_intensities,
        keys=dict(codebook.wire_keys),
    )
    packed = posts - requests  # posts that share a request with another
    output_tokens = posts * answer + (ITEM_OUTPUT_TOKENS * posts if packed else 0)
    thinking_tokens = requests * analysis.generation.thinking_tokens_estimate
    usd = {
        d: row_cost(
            prices(analysis.catalogue, analysis.model.name, d, on),
            input_tokens,
            0,
            output_tokens,
            thinking_tokens,
        )
        for d in DELIVERIES
    }
    batch, inter = usd["batch"], usd["interactive"]
    return {
        "format": "emobatch.estimate/2",
        "mode": mode,
        "analysis_id": analysis.id,
        "model": analysis.model.name,
        "engine": analysis.engine.as_dict(),
        "chunks": len(chunks),
        "requests": requests,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "thinking_tokens": thinking_tokens,
        "token_ratio_applied": token_ratio,
        "usd_batch": _round(batch),
        "usd_flex": _round(usd["flex"]),
        "usd_interactive": _round(inter),
        "usd_saving": None if batch is None or inter is None else round(inter - batch, 6),
        "posts": posts,
        "usd_per_1000_posts": None
        if batch is None or not posts
        else round(batch / posts * 1000, 6),
        "usd_per_1000_posts_variants": _variants(analysis, input_tokens, requests, posts, on),
        "prices_taken_on": analysis.model.prices_taken_on,
        "prices_source": analysis.model.prices_source,
        "method": "emobatch.tokens heuristic for input (scaled by countTokens on a sample); "
        "typical schema answer for output; thinking per the model's thinking control",
    }


def _variants(
    analysis: Analysis, input_tokens: int, requests: int, posts: int, on: dt.date | None
) -> dict[str, float] | None:
    """USD per 1,000 of these posts (batch) as sent today and packed or lean instead."""
    from emobatch.model_costs import (
        ITEM_INPUT_TOKENS,
        PACK_INSTRUCTION_TOKENS,
        post_tokens,
        variants_per_1000,
    )

    if not posts:
        return None
    codebook = analysis.codebook
    tokens = post_tokens(codebook, 0.0, "the chunks")
    # the mean post: the chunks' input less one system instruction (+1) per request and, when
    # packed, the pack instruction and each post's {"id", "text"} wrapper
    overhead = requests * (tokens.system + 1)
    if posts > requests:
        overhead += requests * PACK_INSTRUCTION_TOKENS + posts * ITEM_INPUT_TOKENS
    mean = max(input_tokens - overhead, 0) / posts
    tokens = post_tokens(codebook, mean, "the chunks")
    return variants_per_1000(
        analysis.model, tokens, analysis.generation.thinking_tokens_estimate, on
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def record_estimate(
    ledger: Ledger, sentinel: Sentinel, chunk: Path, *, analysis: Analysis
) -> dict[str, Any] | None:
    """Append the chunk's estimated cost to the ledger when its job was just created."""
    if sentinel.how == "ledger":  # nothing new was paid for
        return None
    est = estimate_run([chunk], analysis=analysis, mode=sentinel.mode)
    return ledger.append(
        "cost",
        kind="estimate",
        chunk_sha256=sentinel.chunk_sha256,
        analysis_id=sentinel.analysis_id,
        attempt=sentinel.attempt,
        job_name=sentinel.job_name,
        model=sentinel.model,
        requests=est["requests"],
        input_tokens=est["input_tokens"],
        output_tokens=est["output_tokens"],
        thinking_tokens=est["thinking_tokens"],
        usd_batch=est["usd_batch"],
        usd_interactive=est["usd_interactive"],
    )


def with_budget(estimate: dict[str, Any], budget_usd: float | None) -> dict[str, Any]:
    """``estimate`` with ``budget_usd`` and ``within_budget`` (None when there is no cap)."""
    usd = estimate.get("usd_batch")
    within = None if budget_usd is None or usd is None else usd <= budget_usd
    return {**estimate, "budget_usd": budget_usd, "within_budget": within}


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
        "cheaper model (`emobatch models` compares them)",
    )


def api_token_ratio(backend: Any, model: str, sample: Sequence[dict[str, Any]]) -> float | None:
    """Ratio of the provider's ``countTokens`` to our heuristic on a sample (None if unavailable).

    ``backend`` is any :class:`emobatch.backends.base.BatchBackend`; the emulator's countTokens
    gives exactly the heuristic's counts (ratio 1.0), the real service its tokenizer's.
    """
    from emobatch.errors import BackendError
    from emobatch.tokens import request_prompt_tokens

    ours = theirs = 0
    try:
        for request in sample:
            theirs += backend.count_tokens(model, request)
            ours += request_prompt_tokens(request)
    except BackendError as exc:
        log.warning("count_tokens on a sample failed (%s); using the heuristic alone", exc)
        return None
    return theirs / ours if ours else None
