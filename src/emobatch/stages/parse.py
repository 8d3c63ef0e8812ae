"""One row per request key: the codebook's fields, status, reason, tokens, model, job.

Every submitted key comes back as a row: ``ok`` with the answer, or ``failed`` with the reason
(``error_reason``) and details. Columns (snake_case, stable; Parquet types in brackets):

``post_id`` [string], ``status`` [string: ok|failed], ``error_reason`` [string],
``error_detail`` [string], ``primary_emotion`` [string], ``intensity_<emotion>`` [double] for
joy, trust, fear, surprise, sadness, disgust, anger, anticipation, ``sentiment`` [string],
``sentiment_score`` [double], ``rationale`` [string], ``finish_reason`` [string],
``prompt_tokens``, ``output_tokens``, ``thoughts_tokens``, ``cached_tokens`` [int64],
``cost_usd`` [double, at the delivery's price (batch, flex; interactive for a standard-tier
call) of the answering model], ``model_version`` [string: the
answer's modelVersion], ``model_routed`` [bool: the answering model is not the one the
analysis's engine should answer with, see ``emobatch.routing``], ``batch_job`` [string],
``retry_round`` [int32: 0 = first submission], ``response_id`` [string].
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from emobatch.atomic import atomic_path
from emobatch.crashpoints import crashpoint
from emobatch.labels import EMOTIONS
from emobatch.logs import batch_event
from emobatch.records import Recovered
from emobatch.responses import chunk_keys, judge_rounds

if TYPE_CHECKING:
    from emobatch.routing import AnswerCheck

log = logging.getLogger("emobatch.parse")


def result_schema(emotions: Sequence[str] = EMOTIONS) -> pa.Schema:
    fields = [
        pa.field("post_id", pa.string()),
        pa.field("status", pa.string()),
        pa.field("error_reason", pa.string()),
        pa.field("error_detail", pa.string()),
        pa.field("primary_emotion", pa.string()),
        *[pa.field(f"intensity_{e}", pa.float64()) for e in emotions],
        pa.field("sentiment", pa.string()),
        pa.field("sentiment_score", pa.float64()),
        pa.field("rationale", pa.string()),
        pa.field("finish_reason", pa.string()),
        pa.field("prompt_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("thoughts_tokens", pa.int64()),
        pa.field("cached_tokens", pa.int64()),
        pa.field("cost_usd", pa.float64()),
        pa.field("model_version", pa.string()),
        pa.field("model_routed", pa.bool_()),
        pa.field("batch_job", pa.string()),
        pa.field("retry_round", pa.int32()),
        pa.field("response_id", pa.string()),
    ]
    return pa.schema(fields)


RESULT_COLUMNS = tuple(result_schema().names)


def parse_chunk(
    *,
    chunk: Path,
    recovered: Path,
    out: Path,
    validate: Callable[[dict[str, Any]], list[str]],
    emotions: Sequence[str] = EMOTIONS,
    check: AnswerCheck | None = None,
) -> dict[str, Any]:
    """Write the parsed rows of one chunk (one per key, in chunk order); return counts.

    ``check`` prices each row at its answering model and flags silent routing; the counts then
    include ``routed`` and ``model_versions`` (modelVersion -> rows).
    """
    manifest = Recovered.load(recovered)
    keys = chunk_keys(chunk)
    best = judge_rounds(keys, manifest.rounds, validate)
    columns: dict[str, list[Any]] = {name: [] for name in result_schema(emotions).names}
    counts: dict[str, Any] = {"rows": 0, "ok": 0, "failed": 0, "routed": 0}
    versions: dict[str, int] = {}
    for key in keys:
        result, rnd, job = best[key]
        answer = result.answer or {}
        intens = answer.get("intensities") or {}
        mv = result.model_version
        cost = (
            check.cost(
                mv,
                result.prompt_tokens,
                result.cached_tokens,
                result.output_tokens,
                result.thoughts_tokens,
                "interactive" if result.extra.get("service_tier") == "standard" else None,
            )
            if check
            else None
        )
        routed = bool(check and check.routed(mv))
        if mv:
            versions[mv] = versions.get(mv, 0) + 1
        counts["routed"] += routed
        row = {
            "post_id": key,
            "status": result.status,
            "error_reason": result.reason,
            "error_detail": result.detail,
            "primary_emotion": answer.get("primary_emotion"),
            **{f"intensity_{e}": _float(intens.get(e)) if result.ok else None for e in emotions},
            "sentiment": answer.get("sentiment"),
            "sentiment_score": _float(answer.get("sentiment_score")) if result.ok else None,
            "rationale": answer.get("rationale"),
            "finish_reason": result.finish_reason,
            "prompt_tokens": result.prompt_tokens,
            "output_tokens": result.output_tokens,
            "thoughts_tokens": result.thoughts_tokens,
            "cached_tokens": result.cached_tokens,
            "cost_usd": cost,
            "model_version": mv,
            "model_routed": routed if mv else None,
            "batch_job": job,
            "retry_round": rnd if rnd >= 0 else None,
            "response_id": result.response_id,
        }
        for name, value in row.items():
            columns[name].append(value)
        counts["rows"] += 1
        counts["ok" if result.ok else "failed"] += 1
    table = pa.table(columns, schema=result_schema(emotions))
    with atomic_path(out) as tmp:
        pq.write_table(table, tmp)
        crashpoint("during_parse")
    log.info(
        "%s: %d rows (%d ok, %d failed)", chunk.name, counts["rows"], counts["ok"], counts["failed"]
    )
    counts["model_versions"] = versions
    if check is not None:
        for mv, n in sorted(versions.items()):
            if check.routed(mv):
                log.warning("%s: %d row(s): %s", chunk.name, n, check.describe(mv))
                batch_event("routing", "%s: %d row(s) %s", chunk.name, n, check.describe(mv))
    return counts


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
