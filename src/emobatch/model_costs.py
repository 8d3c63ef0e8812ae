"""USD per 1,000 posts for every catalogue model, and the choice of the default model.

By default one post is one request: the codebook's system instruction plus the post as input, a
typical full answer of the codebook's schema as output, and the thinking the model's
translation of ``generation.thinking`` implies (see :mod:`emobatch.estimate`). The mean post
length is measured on the configured input (up to :data:`SAMPLE_POSTS` posts) when it can be
read, else :data:`FALLBACK_POST_TOKENS`.

Variants (``usd_per_1000_posts_variants``, batch prices): what the same posts would cost
packed N to a request (``packed_10``, ``packed_25``), with the lean codebook
(``rationale.max_words: 0`` and ``wire_keys: compact``, ``lean``), or both (``lean_packed_10``,
``lean_packed_25``).
Token model, per 1,000 posts at N posts per request: 1000/N requests each carry the system
instruction once (plus :data:`PACK_INSTRUCTION_TOKENS`, the tokens of
:data:`emobatch.packing.PACK_NOTE` saying how a list of posts is answered, when N > 1) and the
thinking estimate once; every post carries its own text and, when packed, its
``{"id", "text"}`` wrapper (:data:`ITEM_INPUT_TOKENS`) as input, and its answer plus its
``"id"`` (:data:`ITEM_OUTPUT_TOKENS`) as output. Thinking counted once per request is a lower
bound for a model that thinks more on a longer request. ``usd_per_1000_posts`` is priced at
the configured ``batch.posts_per_request`` (and so is the default model's rule: with the
shipped 1, single-post requests).

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
from emobatch.codebook import Codebook, load_codebook
from emobatch.config import GenerationSettings, Settings
from emobatch.costs import row_cost
from emobatch.errors import EmobatchError
from emobatch.estimate import typical_answer_tokens
from emobatch.generation import translate
from emobatch.packing import PACK_NOTE
from emobatch.tokens import content_tokens, count_tokens

log = logging.getLogger("emobatch.model_costs")
SAFE_DAYS = 90
SAMPLE_POSTS = 2000
FALLBACK_POST_TOKENS = 40
PACK_INSTRUCTION_TOKENS = count_tokens(PACK_NOTE)
_ITEM_IN = '{"id": "p000001#rep2", "text": ""}, '
_ITEM_OUT = '"id": "p000001#rep2", '
ITEM_INPUT_TOKENS = count_tokens(_ITEM_IN)
ITEM_OUTPUT_TOKENS = count_tokens(_ITEM_OUT)
VARIANTS: dict[str, tuple[int, bool]] = {  # name -> (posts per request, lean)
    "packed_10": (10, False),
    "packed_25": (25, False),
    "lean": (1, True),
    "lean_packed_10": (10, True),
    "lean_packed_25": (25, True),
}


@dataclass(frozen=True)
class PostTokens:
    """Tokens of one typical request of the current codebook."""

    input: int
    output: int
    mean_post: float
    measured_on: str  # where the mean post length comes from
    system: int = 0  # tokens of the system instruction (part of ``input``)
    lean_system: int = 0  # the same, lean (``rationale.max_words: 0``, compact keys)
    lean_output: int = 0  # ``output`` of the lean answer


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


def _system_tokens(codebook: Codebook) -> int:
    return content_tokens({"parts": [{"text": codebook.system_instruction}]})


def post_tokens(codebook: Codebook, mean_post: float, measured_on: str) -> PostTokens:
    """Tokens of one single-post request of ``codebook``, and of its lean variant."""
    system = _system_tokens(codebook)
    lean = codebook if not codebook.has_rationale else load_codebook(codebook.path, lean=True)
    return PostTokens(
        input=round(system + mean_post + 1),
        output=typical_answer_tokens(
            codebook.emotions,
            rationale=codebook.has_rationale,
            intensities=codebook.has_intensities,
            keys=dict(codebook.wire_keys),
        ),
        mean_post=mean_post,
        measured_on=measured_on,
        system=system,
        lean_system=_system_tokens(lean),
        lean_output=typical_answer_tokens(
            codebook.emotions,
            rationale=False,
            intensities=codebook.has_intensities,
            keys=dict(lean.wire_keys),
        ),
    )


def variant_tokens(tokens: PostTokens, n: int, lean: bool, thinking: int) -> dict[str, float]:
    """Input, output and thinking tokens of 1,000 posts sent ``n`` to a request."""
    system = tokens.lean_system if lean else tokens.system
    output = tokens.lean_output if lean else tokens.output
    requests = 1000 / n
    if n == 1:
        per_request, item_in, item_out = system + 1, 0, 0
    else:
        per_request, item_in = system + PACK_INSTRUCTION_TOKENS, ITEM_INPUT_TOKENS
        item_out = ITEM_OUTPUT_TOKENS
    return {
        "input": requests * per_request + 1000 * (tokens.mean_post + item_in),
        "output": 1000 * (output + item_out) + (requests * 2 if n > 1 else 0),
        "thinking": requests * thinking,
    }


def variants_per_1000(
    entry: ModelEntry, tokens: PostTokens, thinking: int, on: dt.date | None = None
) -> dict[str, float]:
    """USD per 1,000 posts at batch prices for each of :data:`VARIANTS`."""
    table = entry.price("batch", on).as_dict()
    out = {}
    for name, (n, lean) in VARIANTS.items():
        t = variant_tokens(tokens, n, lean, thinking)
        cost = row_cost(table, round(t["input"]), 0, round(t["output"]), round(t["thinking"]))
        out[name] = round(cost or 0.0, 6)
    return out


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


def packed_per_1000(
    entry: ModelEntry, tokens: PostTokens, thinking: int, n: int, on: dt.date | None = None
) -> dict[str, float]:
    """USD per 1,000 posts at each delivery, ``n`` posts per request (the current codebook)."""
    if n == 1:
        return per_1000(entry, tokens, thinking, on)
    t = variant_tokens(tokens, n, False, thinking)
    out = {}
    for delivery in DELIVERIES:
        table = entry.price(delivery, on).as_dict()
        cost = row_cost(table, round(t["input"]), 0, round(t["output"]), round(t["thinking"]))
        out[delivery] = round(cost or 0.0, 6)
    return out


def model_rows(
    catalogue: Catalogue,
    generation: GenerationSettings,
    tokens: PostTokens,
    today: dt.date,
    posts_per_request: int = 1,
) -> list[dict[str, Any]]:
    """One row per catalogue model: status, dates, thinking as sent, USD per 1,000 posts
    (as configured, ``posts_per_request`` to a request) and its packed and lean variants."""
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
                "usd_per_1000_posts": packed_per_1000(
                    entry, tokens, sent.thinking_tokens_estimate, posts_per_request, today
                ),
                "usd_per_1000_posts_variants": variants_per_1000(
                    entry, tokens, sent.thinking_tokens_estimate, today
                ),
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

    today = today or dt.date.today()
    catalogue = catalogue_for(settings)
    codebook = load_codebook(settings.codebook)
    mean, where = mean_post_tokens(settings)
    tokens = post_tokens(codebook, mean, where)
    rows = model_rows(
        catalogue, settings.generation, tokens, today, settings.batch.posts_per_request
    )
    return {
        "format": "emobatch.models/1",
        "catalogue_read_on": catalogue.read_on,
        "today": today.isoformat(),
        "configured_model": settings.batch.model_name,
        "posts_per_request": settings.batch.posts_per_request,
        "default_rule": f"cheapest GA model with batch and structured output, more than "
        f"{SAFE_DAYS} days from a known shutdown",
        "default_model": default_model(rows, catalogue, today),
        "per_post_tokens": {
            "input": tokens.input,
            "output": tokens.output,
            "mean_post": round(tokens.mean_post, 1),
            "measured_on": tokens.measured_on,
            "codebook": str(Path(codebook.path)),
            "system_instruction": tokens.system,
            "lean_system_instruction": tokens.lean_system,
            "lean_output": tokens.lean_output,
            "pack_instruction": PACK_INSTRUCTION_TOKENS,
            "item_input": ITEM_INPUT_TOKENS,
            "item_output": ITEM_OUTPUT_TOKENS,
        },
        "variants": {
            name: {"posts_per_request": n, "lean": lean} for name, (n, lean) in VARIANTS.items()
        },
        "models": rows,
    }
