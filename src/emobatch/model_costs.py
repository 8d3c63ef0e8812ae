"""USD per 1,000 posts for every catalogue model, and the choice of the default model.

One post costs one request: the codebook's system instruction plus the post as input, a
typical full answer of the codebook's schema as output, and the thinking the model's
translation of ``generation.thinking`` implies (see :mod:`emobatch.estimate`). The mean post
length is measured on the configured input (up to :data:`SAMPLE_POSTS` posts) when it can be
read, else :data:`FALLBACK_POST_TOKENS`.

:func:`default_model` is the rule the shipped ``batch.model_name`` follows: the cheapest GA model
that runs batch jobs with structured output and is not within :data:`SAFE_DAYS` days of a known
shutdown. A test checks that ``config/config.yaml`` names the model this rule picks.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emobatch.catalogue import DELIVERIES, Catalogue, ModelEntry
from emobatch.codebook import Codebook
from emobatch.config import GenerationSettings, Settings
from emobatch.costs import row_cost
from emobatch.errors import EmobatchError
from emobatch.estimate import typical_answer_tokens
from emobatch.generation import translate
from emobatch.tokens import content_tokens, count_tokens

log = logging.getLogger("emobatch.model_costs")
SAFE_DAYS = 90
SAMPLE_POSTS = 2000
FALLBACK_POST_TOKENS = 40


@dataclass(frozen=True)
class PostTokens:
    """Tokens of one typical request of the current codebook."""

    input: int
    output: int
    mean_post: float
    measured_on: str  # where the mean post length comes from


def mean_post_tokens(settings: Settings) -> tuple[float, str]:
    """Mean tokens of a post of the configured input (first posts), or the fallback."""
    path = settings.input.path
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            texts = pq.read_table(path, columns=[settings.input.text_column])
            values = texts.column(0).to_pylist()[:SAMPLE_POSTS]
        else:
            import pandas as pd

            sep = "\t" if path.suffix.lower() == ".tsv" else ","
            frame = pd.read_csv(
                path, sep=sep, usecols=[settings.input.text_column], nrows=SAMPLE_POSTS,
                dtype=str, encoding="utf-8-sig",
            )  # fmt: skip
            values = frame.iloc[:, 0].tolist()
    except Exception as exc:  # any unreadable input: fall back, and say so
        log.info("mean post length from %s not measured (%s)", path, exc)
        return float(FALLBACK_POST_TOKENS), f"assumed {FALLBACK_POST_TOKENS} tokens per post"
    texts_ = [str(v) for v in values if isinstance(v, str) and v.strip()]
    if not texts_:
        return float(FALLBACK_POST_TOKENS), f"assumed {FALLBACK_POST_TOKENS} tokens per post"
    mean = sum(count_tokens(t) for t in texts_) / len(texts_)
    return mean, f"mean of the first {len(texts_):,} posts of {path}"


def post_tokens(codebook: Codebook, mean_post: float, measured_on: str) -> PostTokens:
    system = content_tokens({"parts": [{"text": codebook.system_instruction}]})
    return PostTokens(
        input=round(system + mean_post + 1),
        output=typical_answer_tokens(codebook.emotions),
        mean_post=mean_post,
        measured_on=measured_on,
    )


def per_1000(
    entry: ModelEntry, tokens: PostTokens, thinking: int, on: dt.date | None = None
) -> dict[str, float]:
    """USD per 1,000 posts at each delivery."""
    out = {}
    for delivery in DELIVERIES:
        table = entry.price(delivery, on).as_dict()
        cost = row_cost(table, tokens.input, 0, tokens.output, thinking)
        out[delivery] = round((cost or 0.0) * 1000, 6)
    return out


def model_rows(
    catalogue: Catalogue,
    generation: GenerationSettings,
    tokens: PostTokens,
    today: dt.date,
) -> list[dict[str, Any]]:
    """One row per catalogue model: status, dates, thinking as sent, USD per 1,000 posts."""
    rows = []
    for entry in catalogue.models.values():
        try:
            sent = translate(entry, generation)
        except EmobatchError:  # e.g. a thinking_budget for a level model: show its default
            sent = translate(entry, replace(generation, thinking_budget=None))
        thinking = sent.config.get("thinkingConfig", {})
        rows.append(
            {
                "model": entry.name,
                "status": "shut_down" if entry.is_shut_down(today) else entry.status,
                "released": entry.released.isoformat() if entry.released else None,
                "shutdown": entry.shutdown.isoformat() if entry.shutdown else None,
                "replacement": entry.replacement,
                "thinking_control": entry.thinking.control,
                "thinking_sent": thinking,
                "thinking_tokens_per_post": sent.thinking_tokens_estimate,
                "sampling_honoured": list(entry.sampling),
                "dropped": list(sent.dropped),
                "batch": "batchGenerateContent" in entry.actions,
                "structured_output": entry.structured_output,
                "usd_per_1000_posts": per_1000(entry, tokens, sent.thinking_tokens_estimate, today),
                "prices_taken_on": entry.prices_taken_on,
                "prices_source": entry.prices_source,
                "notes": entry.notes,
            }
        )
    return rows


def default_model(rows: list[dict[str, Any]], catalogue: Catalogue, today: dt.date) -> str:
    """The cheapest (batch, per 1,000 posts) GA model with batch + structured output that is
    not within SAFE_DAYS of a known shutdown."""
    eligible: list[tuple[float, str]] = []
    for row in rows:
        entry = catalogue.models[row["model"]]
        days = entry.days_to_shutdown(today)
        if (
            entry.status == "ga"
            and row["batch"]
            and row["structured_output"]
            and (days is None or days > SAFE_DAYS)
        ):
            eligible.append((row["usd_per_1000_posts"]["batch"], row["model"]))
    if not eligible:
        raise EmobatchError("no catalogue model qualifies as a default")
    return min(eligible)[1]


def catalogue_table(settings: Settings, today: dt.date | None = None) -> dict[str, Any]:
    """What ``emobatch models --json`` prints."""
    from emobatch.analysis import catalogue_for
    from emobatch.codebook import load_codebook

    today = today or dt.date.today()
    catalogue = catalogue_for(settings)
    codebook = load_codebook(settings.codebook)
    mean, where = mean_post_tokens(settings)
    tokens = post_tokens(codebook, mean, where)
    rows = model_rows(catalogue, settings.generation, tokens, today)
    return {
        "format": "emobatch.models/1",
        "catalogue_read_on": catalogue.read_on,
        "today": today.isoformat(),
        "configured_model": settings.batch.model_name,
        "default_rule": f"cheapest GA model with batch and structured output, more than "
        f"{SAFE_DAYS} days from a known shutdown",
        "default_model": default_model(rows, catalogue, today),
        "per_post_tokens": {
            "input": tokens.input,
            "output": tokens.output,
            "mean_post": round(tokens.mean_post, 1),
            "measured_on": tokens.measured_on,
            "codebook": str(Path(codebook.path)),
        },
        "models": rows,
    }
