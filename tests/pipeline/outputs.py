"""Tiny inputs and outputs of the result-side stages, written by the tests themselves.

Chunks are JSONL request lines as ``stages.requests`` writes them (sorted keys, ``key`` first);
output lines are what a batch job's responses file holds (one JSON object per key: a
``response`` or an ``error``); parsed chunks and selections are Parquet files of the stages'
own schemas. No Snakemake, no emulator: each file is a few rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from emobatch.config import Settings, load_config
from emobatch.labels import EMOTIONS
from emobatch.records import Recovered
from emobatch.stages.parse import result_schema

REPO = Path(__file__).resolve().parents[2]
LEXICON = "emobatch-lexicon-1.0.0"


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    """The bundled config with absolute codebook, and ledger/history/state under tmp_path."""
    merged: dict[str, Any] = {
        "codebook": str(REPO / "config" / "codebook" / "emotion.yaml"),
        "input": {"path": str(tmp_path / "posts.csv")},
        "ledger_path": str(tmp_path / "ledger" / "submissions.jsonl"),
        "history_dir": str(tmp_path / "history"),
        "local": {"state_dir": str(tmp_path / "emulator")},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return load_config(REPO / "config" / "config.yaml", merged)


def request_line(key: str, text: str = "좋아요", max_output_tokens: int | None = None) -> str:
    request: dict[str, Any] = {"contents": [{"parts": [{"text": text}], "role": "user"}]}
    if max_output_tokens is not None:
        request["generationConfig"] = {"maxOutputTokens": max_output_tokens}
    return json.dumps({"key": key, "request": request}, ensure_ascii=False, sort_keys=True)


def write_chunk(path: Path, keys: Sequence[str], **kw: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(request_line(k, **kw) + "\n" for k in keys), encoding="utf-8")
    return path


def answer(primary: str = "joy", **fields: Any) -> dict[str, Any]:
    """A valid answer of the bundled codebook."""
    intensities = dict.fromkeys(EMOTIONS, 0.0)
    if primary in intensities:
        intensities[primary] = 0.8
    return {
        "primary_emotion": primary,
        "intensities": intensities,
        "sentiment": "positive",
        "sentiment_score": 0.7,
        "rationale": "좋아",
        **fields,
    }


def ok_line(
    key: str,
    primary: str = "joy",
    *,
    text: str | None = None,
    model_version: str = LEXICON,
    prompt: int = 100,
    output: int = 40,
    thoughts: int = 0,
    cached: int = 0,
    finish: str = "STOP",
) -> dict[str, Any]:
    usage = {"promptTokenCount": prompt, "candidatesTokenCount": output}
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    if cached:
        usage["cachedContentTokenCount"] = cached
    body = text if text is not None else json.dumps(answer(primary), ensure_ascii=False)
    return {
        "key": key,
        "response": {
            "candidates": [
                {
                    "content": {"parts": [{"text": body}], "role": "model"},
                    "finishReason": finish,
                    "index": 0,
                }
            ],
            "usageMetadata": usage,
            "modelVersion": model_version,
            "responseId": f"resp-{key}",
        },
    }


def error_line(key: str, code: int = 500, status: str = "INTERNAL") -> dict[str, Any]:
    return {"key": key, "error": {"code": code, "status": status, "message": "injected"}}


def write_lines(path: Path, lines: Iterable[dict[str, Any] | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(
        (x if isinstance(x, str) else json.dumps(x, ensure_ascii=False)) + "\n" for x in lines
    )
    path.write_text(text, encoding="utf-8")
    return path


def manifest(path: Path, chunk: Path, rounds: Sequence[tuple[Path, str]]) -> Path:
    """A recovery manifest listing ``(raw file, job name)`` per round."""
    Recovered(
        chunk_file=str(chunk),
        requests=sum(1 for line in chunk.read_text("utf-8").splitlines() if line.strip()),
        rounds=[
            {"round": i, "raw": str(raw), "job_name": job} for i, (raw, job) in enumerate(rounds)
        ],
        ok=0,
        failed=0,
    ).dump(path)
    return path


def parsed_rows(keys: Sequence[str], **columns: Sequence[Any]) -> pa.Table:
    """A parsed chunk (the schema of ``stages.parse``): ok rows, overridable per column."""
    n = len(keys)
    data: dict[str, list[Any]] = {name: [None] * n for name in result_schema().names}
    data.update(
        post_id=list(keys),
        status=["ok"] * n,
        primary_emotion=["joy"] * n,
        sentiment=["positive"] * n,
        sentiment_score=[0.5] * n,
        rationale=["좋아"] * n,
        finish_reason=["STOP"] * n,
        prompt_tokens=[100] * n,
        output_tokens=[40] * n,
        thoughts_tokens=[0] * n,
        cached_tokens=[0] * n,
        cost_usd=[0.0001] * n,
        model_version=[LEXICON] * n,
        model_routed=[False] * n,
        batch_job=["batches/job1"] * n,
        retry_round=[0] * n,
        response_id=[f"resp-{k}" for k in keys],
    )
    for e in EMOTIONS:
        data[f"intensity_{e}"] = [0.8 if e == "joy" else 0.0] * n
    for name, values in columns.items():
        data[name] = list(values)
    return pa.table(data, schema=result_schema())


def write_parquet(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def selection(
    keys: Sequence[str], *, to_submit: Sequence[bool] | None = None, analysis: str = "a1"
) -> pa.Table:
    """A filter selection (``stages.filter``'s ``selected``) with two carried columns."""
    n = len(keys)
    return pa.table(
        {
            "post_id": pa.array(list(keys), pa.string()),
            "text": pa.array([f"좋아요 {k}" for k in keys], pa.string()),
            "text_truncated": pa.array([False] * n, pa.bool_()),
            "text_chars": pa.array([5] * n, pa.int64()),
            "source_row": pa.array(list(range(1, n + 1)), pa.int64()),
            "analysis_key": pa.array([f"{analysis}:{k}" for k in keys], pa.string()),
            "to_submit": pa.array(list(to_submit) if to_submit else [True] * n, pa.bool_()),
            "likes": pa.array(list(range(n)), pa.int64()),
            "platform": pa.array(["x"] * n, pa.string()),
        }
    )
