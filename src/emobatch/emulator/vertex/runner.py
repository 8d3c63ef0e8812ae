"""Run a due Vertex job: read its input from GCS, answer each line, write predictions to GCS.

Input lines are ``{"request": GenerateContentRequest}`` (any other top-level field is
ignored, as the real service is reported to do). Each output line echoes the request::

    {"status": "", "processed_time": "2026-11-27T12:38:58.981+00:00",
     "request": {...}, "response": GenerateContentResponse}
    {"status": "Bad Request: {\"error\": {\"code\": 400, ...}}", "processed_time": ...,
     "request": {...}, "response": {}}

Lines are answered in blocks of :data:`BLOCK_LINES` by the same :class:`..responder.Responder`
as the Gemini emulator (faults included: ``row_error``, ``malformed_output``,
``finish_reason``, selected by the row's first label value, else its line number), and each
block is written in a seeded shuffled order: Vertex does not keep input order. The file is
``<outputPrefix>/prediction-model-<timestamp>/predictions.jsonl``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import tempfile
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any

from ..api_errors import ApiError
from ..faults import row_fault
from ..gen_request import Prepared, RequestError, SettingsCache, prepare
from ..models import ModelRegistry, Resolved
from ..responder import Responder
from . import resource
from .gcs import split_uri

__all__ = ["BLOCK_LINES", "VertexRunner", "failed", "status_text"]

BLOCK_LINES = 4096
#: Reason phrases the real service puts before the error JSON in ``status``.
REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}
Entry = tuple[Any, Prepared | dict[str, Any]]  # (echoed request, digest or error Status)


def output_stamp(ns: int) -> str:
    """``2026-11-27T12:38:58.981813Z`` (the output folder's timestamp, with microseconds)."""
    return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def processed_time(ns: int) -> str:
    """``2026-11-27T12:38:58.981+00:00`` (a line's ``processed_time``)."""
    when = dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC)
    return when.isoformat(timespec="milliseconds")


def status_text(error: dict[str, Any]) -> str:
    """A failed line's ``status``: ``"Bad Request: {"error": {...}}"``."""
    code = int(error.get("code") or 500)
    reason = REASONS.get(code, "Internal Server Error" if code >= 500 else "Error")
    return f"{reason}: {json.dumps({'error': error}, ensure_ascii=False)}"


def row_key(request: Any, index: int) -> str:
    """Which row faults select: the request's first label value, else the line number."""
    labels = request.get("labels") if isinstance(request, dict) else None
    if isinstance(labels, dict) and labels:
        return str(labels[sorted(labels)[0]])
    return str(index)


def parse_line(raw: bytes, settings: SettingsCache) -> Entry:
    """One input line -> ``(request, Prepared | error Status)``."""
    try:
        obj = json.loads(raw)
    except ValueError:
        return {}, _error(ApiError(400, "Invalid JSON payload received."))
    if not isinstance(obj, dict) or not isinstance(obj.get("request"), dict):
        return {}, _error(ApiError(400, "* request: request is required"))
    try:
        return obj["request"], prepare(obj["request"], settings)
    except RequestError as exc:
        return obj["request"], _error(exc)


class VertexRunner:
    """Produces a job's predictions file; returns the ``result`` to store and fault counts."""

    def __init__(self, gcs: Any, responder: Responder, registry: ModelRegistry) -> None:
        self.gcs = gcs
        self.responder = responder
        self.registry = registry

    def run(self, record: dict[str, Any], now: int) -> tuple[dict[str, Any], Counter[str]]:
        bucket, name = split_uri(record["inputUri"])
        blob = self.gcs.bucket(bucket).get_blob(name)
        if blob is None:
            message = f"Failed to import data. Not found: {record['inputUri']}."
            return failed(now, 5, message), Counter()
        short = record["model"].rsplit("/", 1)[-1]
        model = self.registry.for_job(short, record.get("answeredBy"))
        settings = SettingsCache(model.requested)
        seed = int((record.get("fate") or {}).get("seed", 0))
        counts: Counter[str] = Counter()  # ok / failed lines
        fired: Counter[str] = Counter()  # row faults by kind
        out_dir = f"{record['outputPrefix'].rstrip('/')}/prediction-model-{output_stamp(now)}"
        with tempfile.TemporaryDirectory(prefix="emobatch-vertex-") as tmp:
            path = os.path.join(tmp, "predictions.jsonl")
            with blob.open("rb") as source, open(path, "wb") as out:
                for number, block in enumerate(_blocks(source)):
                    entries = [(i, *parse_line(raw, settings)) for i, raw in block]
                    lines = self._answer_block(entries, model, record, counts, fired, now)
                    random.Random(f"{seed}:{record['id']}:{number}").shuffle(lines)
                    out.writelines(lines)
            out_bucket, out_name = split_uri(f"{out_dir}/predictions.jsonl")
            self.gcs.bucket(out_bucket).blob(out_name).upload_from_filename(
                path, content_type="application/jsonl"
            )
        return _result(now, counts["ok"], counts["failed"], out_dir), fired

    def _answer_block(
        self,
        entries: list[tuple[int, Any, Prepared | dict[str, Any]]],
        model: Resolved,
        record: dict[str, Any],
        counts: Counter[str],
        fired: Counter[str],
        now: int,
    ) -> list[bytes]:
        texts = list(dict.fromkeys(p.user_text for _, _, p in entries if isinstance(p, Prepared)))
        annotations = self.responder.annotations(texts)
        fate = record.get("fate") or {}
        rules = fate.get("rowFaults") or []
        stamp = processed_time(now)
        out = []
        for index, request, item in entries:
            if isinstance(item, Prepared):
                key = row_key(request, index)
                fault = row_fault(rules, int(fate.get("seed", 0)), record["id"], key)
                if fault is not None:
                    fired[fault["kind"]] += 1
                body = self.responder.respond(
                    item,
                    annotations[item.user_text],
                    model=model,
                    job_id=record["id"],
                    key=key,
                    fault=fault,
                )
            else:
                body = {"error": item}
            line: dict[str, Any] = {"status": "", "processed_time": stamp, "request": request}
            if "error" in body:
                counts["failed"] += 1
                line["status"] = status_text(body["error"])
                line["response"] = {}
            else:
                counts["ok"] += 1
                line["response"] = body["response"]
            out.append(
                (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            )
        return out


def _result(now: int, ok: int, bad: int, out_dir: str) -> dict[str, Any]:
    """SUCCEEDED; PARTIALLY_SUCCEEDED when some lines failed; FAILED when all did."""
    result: dict[str, Any] = {
        "state": resource.SUCCEEDED,
        "endNs": now,
        "successful": ok,
        "failed": bad,
        "outputDirectory": out_dir,
    }
    if bad and ok:
        result["state"] = resource.PARTIALLY_SUCCEEDED
    elif bad:
        result["state"] = resource.FAILED
        result["error"] = {"code": 3, "message": f"All {bad} requests of the job failed."}
    return result


def _blocks(source: IO[bytes]) -> Iterator[list[tuple[int, bytes]]]:
    numbered = enumerate(line for line in source if line.strip())
    while block := list(islice(numbered, BLOCK_LINES)):
        yield block


def _error(exc: ApiError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "status": exc.status}


def failed(now: int, code: int, message: str) -> dict[str, Any]:
    """The ``result`` of a job that failed as a whole."""
    return {"state": resource.FAILED, "endNs": now, "error": {"code": code, "message": message}}
