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

import contextlib
import gc
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emobatch.atomic import atomic_path
from emobatch.costs import row_cost
from emobatch.crashpoints import crashpoint
from emobatch.labels import EMOTIONS
from emobatch.logs import batch_event
from emobatch.records import Recovered
from emobatch.responses import ReadAnswer, RowResult, chunk_keys, judge_rounds

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
    read_answer: ReadAnswer,
    emotions: Sequence[str] = EMOTIONS,
    check: AnswerCheck | None = None,
) -> dict[str, Any]:
    """Write the parsed rows of one chunk (one per key, in chunk order); return counts.

    ``check`` prices each row at its answering model and flags silent routing; the counts then
    include ``routed`` and ``model_versions`` (modelVersion -> rows).
    """
    manifest = Recovered.load(recovered)
    keys = chunk_keys(chunk)
    with _collector_paused():
        best = judge_rounds(keys, manifest.rounds, read_answer)
        judged = [best[key] for key in keys]
        results = [r for r, _, _ in judged]
        columns = _columns(results, emotions, check)
    columns["post_id"] = keys
    columns["batch_job"] = [job for _, _, job in judged]
    columns["retry_round"] = [rnd if rnd >= 0 else None for _, rnd, _ in judged]
    ok = sum(r.ok for r in results)
    counts: dict[str, Any] = {"rows": len(keys), "ok": ok, "failed": len(keys) - ok}
    versions: dict[str, int] = {}
    for mv in columns["model_version"]:
        if mv:
            versions[mv] = versions.get(mv, 0) + 1
    counts["routed"] = sum(n for mv, n in versions.items() if check and check.routed(mv))
    schema = result_schema(emotions)
    table = pa.table({name: columns[name] for name in schema.names}, schema=schema)
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


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk's lines are judged.

    Judging builds ~20 container objects per line and keeps every result; the collector,
    triggered by those allocations, rescans the growing set of results again and again
    (~10-20% of parse). Nothing judged forms a reference cycle (decoded JSON is a tree), so
    nothing is left for it to find; it runs again as soon as the chunk is judged.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _columns(
    results: list[RowResult], emotions: Sequence[str], check: AnswerCheck | None
) -> dict[str, Any]:
    """The result columns of the judged rows, one list or array per column (in row order).

    A failed row has no answer, so its answer fields are null; an ok row's numbers were
    checked against the schema, so they become float64 as they are (:func:`_floats`).
    """
    answers = [r.answer or {} for r in results]
    intens = [a.get("intensities") or {} for a in answers]
    mvs = [r.model_version for r in results]
    columns: dict[str, Any] = {
        "status": [r.status for r in results],
        "error_reason": [r.reason for r in results],
        "error_detail": [r.detail for r in results],
        "primary_emotion": [a.get("primary_emotion") for a in answers],
    }
    for e in emotions:
        columns[f"intensity_{e}"] = _floats([i.get(e) for i in intens])
    columns["sentiment"] = [a.get("sentiment") for a in answers]
    columns["sentiment_score"] = _floats([a.get("sentiment_score") for a in answers])
    columns["rationale"] = [a.get("rationale") for a in answers]
    columns["finish_reason"] = [r.finish_reason for r in results]
    for name in ("prompt_tokens", "output_tokens", "thoughts_tokens", "cached_tokens"):
        columns[name] = [getattr(r, name) for r in results]
    columns["cost_usd"] = _costs(results, check, columns)
    columns["model_version"] = mvs
    routed = {mv: check.routed(mv) for mv in set(mvs) if mv} if check else {}
    columns["model_routed"] = [routed.get(mv, False) if mv else None for mv in mvs]
    columns["response_id"] = [r.response_id for r in results]
    return columns


def _floats(values: list[Any]) -> pa.Array:
    """float64 of numbers and nulls; anything else (a schema without number types) goes
    value by value through :func:`_float`."""
    try:
        return pa.array(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array([_float(v) for v in values], pa.float64())


def _costs(
    results: list[RowResult], check: AnswerCheck | None, columns: dict[str, Any]
) -> pa.Array:
    """Each row's USD at its answering model's price for its tier: the arithmetic of
    :func:`~emobatch.costs.row_cost`, in the same order, on numpy arrays (prices looked up
    once per model and tier)."""
    n = len(results)
    if check is None:
        return pa.nulls(n, pa.float64())
    where = [
        (r.model_version, "interactive" if r.extra.get("service_tier") == "standard" else None)
        for r in results
    ]
    groups = {w: check.price_table(*w) for w in dict.fromkeys(where)}
    names = ("prompt_tokens", "cached_tokens", "output_tokens", "thoughts_tokens")
    try:
        prompt, cached, output, thoughts = (np.asarray(columns[k], np.int64) for k in names)
    except OverflowError:  # a count past int64 (no API sends one): Python's own integers
        tokens = zip(*(columns[k] for k in names), strict=True)
        return pa.array([row_cost(groups[w], *t) for w, t in zip(where, tokens, strict=True)])
    fresh = np.maximum(prompt - cached, 0).astype(np.float64)
    spent = (output + thoughts).astype(np.float64)
    usd, known = np.zeros(n), np.zeros(n, dtype=bool)
    for w, table in groups.items():
        if table is None:
            continue
        rows = np.fromiter((x == w for x in where), bool, n) if len(groups) > 1 else slice(None)
        cached_price = table.get("cached_input", table["input"])
        usd[rows] = (
            fresh[rows] * table["input"]
            + cached[rows].astype(np.float64) * cached_price
            + spent[rows] * table["output"]
        ) / 1_000_000
        known[rows] = True
    return pa.array(usd, pa.float64(), mask=~known)


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
