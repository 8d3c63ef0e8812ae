"""Run a due job once: read its requests, answer them, store the output.

File jobs stream the input JSONL in chunks of :data:`CHUNK_LINES` lines. Each line is
parsed once; the distinct user texts of a chunk are coded by the annotator on a helper
thread while the main thread parses the next chunk and writes the previous one (the
Korean analyser runs native code outside the GIL, so the two overlap on two cores).
Memory stays bounded by a few chunks. Everything is written through one buffered writer
to a temp file (sha256 on the way), fsynced and renamed to ``blobs/batch-<id>``.

Output line formats:

- file jobs: ``{"key": k, "response": GenerateContentResponse}`` or
  ``{"key": k, "error": {"code", "message", "status"}}``; a line that is not JSON, or has
  no ``key``, gets an error line without ``key``;
- inline jobs: ``{"response": ..., "metadata": {str: str}}`` or
  ``{"error": {"code", "message"}, "metadata": ...}`` (no ``details`` or ``status``: the
  SDK's ``JobError`` model would reject Status details).

The job record fixes, at creation, who answers (``answeredBy``: the successor of a routed
model) and the label noise (``noise``); lines are validated against the requested model's
thinking contract (:mod:`.thinking`).
"""

from __future__ import annotations

import base64
import json
import os
import random
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import IO, Any

from emobatch.atomic import fsync_dir

from . import ids
from .api_errors import RPC_CODES, ApiError
from .faults import row_fault
from .gen_request import Prepared, RequestError, SettingsCache, prepare
from .jobs import FAILED, SUCCEEDED
from .models import ModelRegistry, Resolved
from .noise import Noise
from .output import LineWriter, string_metadata
from .replicas import body_hash
from .responder import Responder
from .storage import atomic_write_json, read_json
from .store import Store

RESULT_MIME_TYPE = "application/jsonl"
#: Generated files live as long as uploaded ones.
FILE_TTL_NS = 48 * 3600 * 1_000_000_000
#: Lines per pipeline chunk (parse / annotate / write overlap chunk by chunk).
CHUNK_LINES = 4096

Entry = tuple[str | None, Prepared | dict[str, Any]]


def _error(exc: ApiError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "status": exc.status}


def _digest(
    item: Any, settings: SettingsCache, hash_model: str | None = None
) -> Prepared | dict[str, Any]:
    """A request digested for the responder, or the error Status answered instead.

    ``hash_model`` (set when label noise is on) records the request's body hash.
    """
    try:
        prepared = prepare(item, settings)
    except RequestError as exc:
        return _error(exc)
    if hash_model is not None:
        prepared.body_hash = body_hash(hash_model, item)
    return prepared


def parse_line(raw: bytes, settings: SettingsCache, hash_model: str | None = None) -> Entry:
    """One input line -> ``(key, Prepared | error Status)``."""
    try:
        obj = json.loads(raw)
    except ValueError:
        return None, _error(ApiError(400, "Invalid JSON payload received."))
    if not isinstance(obj, dict):
        return None, _error(ApiError(400, "Each line must be a JSON object."))
    key = obj.get("key")
    key = None if key is None else str(key)
    if "request" not in obj:
        return key, _error(ApiError(400, "* request: request is required"))
    return key, _digest(obj["request"], settings, hash_model)


def _chunks(fh: IO[bytes]) -> Iterator[list[bytes]]:
    lines = (raw for raw in fh if not raw.isspace())
    while chunk := list(islice(lines, CHUNK_LINES)):
        yield chunk


class _Answerer:
    """Answers one job's entries (row faults, per-chunk answer cache, fault counts)."""

    def __init__(self, responder: Responder, record: dict[str, Any], model: Resolved) -> None:
        fate = record.get("fate") or {}
        self.responder = responder
        self.model = model
        self.noise = Noise.of_record(record.get("noise"))
        self.hash_model = record["model"] if self.noise.active else None
        self.job_id: str = record["id"]
        self.seed = int(fate.get("seed", 0))
        self.rules: list[dict[str, Any]] = fate.get("rowFaults") or []
        self.shuffle = bool(fate.get("shuffle"))
        self.fired: Counter[str] = Counter()

    def answer(
        self,
        index: int,
        entry: Entry,
        annotations: dict[str, dict[str, Any]],
        cache: dict[tuple[int, str], tuple[str, int]],
    ) -> dict[str, Any]:
        key, item = entry
        if not isinstance(item, Prepared):
            return {"error": item}
        line_key = key if key is not None else str(index)
        fault = row_fault(self.rules, self.seed, self.job_id, line_key) if self.rules else None
        if fault is not None:
            self.fired[fault["kind"]] += 1
        ann = annotations[item.user_text]
        if item.body_hash is not None:
            noisy = self.noise.apply(ann, item.body_hash, index)
            if noisy is not None:
                ann, cache = noisy, {}  # a perturbed answer must not be cached for others
        return self.responder.respond(
            item,
            ann,
            model=self.model,
            job_id=self.job_id,
            key=line_key,
            fault=fault,
            answer_cache=cache,
        )


def _texts(entries: list[Entry]) -> list[str]:
    return list(dict.fromkeys(p.user_text for _, p in entries if isinstance(p, Prepared)))


class JobRunner:
    """Produces a job's output; returns the ``result`` to store and row-fault counts."""

    def __init__(self, store: Store, responder: Responder, registry: ModelRegistry) -> None:
        self.store = store
        self.responder = responder
        self.registry = registry

    def run(self, record: dict[str, Any], now: int) -> tuple[dict[str, Any], Counter[str]]:
        model = self.registry.for_job(record["model"], record.get("answeredBy"))
        if (record.get("source") or {}).get("inline"):
            return self._run_inline(record, model, now)
        return self._run_file(record, model, now)

    # -- file source -------------------------------------------------------------------
    def _run_file(
        self, record: dict[str, Any], model: Resolved, now: int
    ) -> tuple[dict[str, Any], Counter[str]]:
        input_id = record["source"]["fileName"].removeprefix("files/")
        in_path = self.store.blob_path(input_id)
        if not in_path.exists():
            return _failed(now, f"Input file files/{input_id} no longer exists."), Counter()
        out_id = ids.result_file_id(record["id"])
        out_path = self.store.blob_path(out_id)
        tmp = out_path.with_name(f".{out_id}.{os.getpid()}.tmp")
        answerer = _Answerer(self.responder, record, model)
        settings = SettingsCache(model.requested)
        try:
            with (
                open(in_path, "rb") as fh,
                open(tmp, "wb", buffering=1 << 20) as out,
                ThreadPoolExecutor(1, thread_name_prefix="emulator-annotate") as pool,
            ):
                writer = LineWriter(
                    out, f"{answerer.seed}:{record['id']}" if answerer.shuffle else None
                )
                pending: deque[tuple[list[Entry], Future[dict[str, dict[str, Any]]]]] = deque()
                index = 0
                for raw_lines in _chunks(fh):
                    entries = [parse_line(raw, settings, answerer.hash_model) for raw in raw_lines]
                    future = pool.submit(self.responder.annotations, _texts(entries))
                    pending.append((entries, future))
                    if len(pending) > 1:
                        index = self._write_chunk(writer, answerer, *pending.popleft(), index)
                while pending:
                    index = self._write_chunk(writer, answerer, *pending.popleft(), index)
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, out_path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(out_path.parent)
        self.store.put_file(
            {
                "format": 1,
                "id": out_id,
                "displayName": out_id,
                "mimeType": RESULT_MIME_TYPE,
                "sizeBytes": writer.size,
                "createNs": now,
                "updateNs": now,
                "expireNs": now + FILE_TTL_NS,
                "sha256": base64.b64encode(writer.sha.digest()).decode(),
                "source": "GENERATED",
                "lineCount": writer.lines,
            }
        )
        result = {
            "state": SUCCEEDED,
            "endNs": now,
            "successful": writer.lines - writer.failed,
            "failed": writer.failed,
            "responsesFile": f"files/{out_id}",
        }
        return result, answerer.fired

    @staticmethod
    def _write_chunk(
        writer: LineWriter,
        answerer: _Answerer,
        entries: list[Entry],
        future: Future[dict[str, dict[str, Any]]],
        index: int,
    ) -> int:
        annotations = future.result()
        cache: dict[tuple[int, str], tuple[str, int]] = {}
        for entry in entries:
            body = answerer.answer(index, entry, annotations, cache)
            key = entry[0]
            writer.write({"key": key, **body} if key is not None else body, "error" in body)
            index += 1
        return index

    # -- inline source -----------------------------------------------------------------
    def _run_inline(
        self, record: dict[str, Any], model: Resolved, now: int
    ) -> tuple[dict[str, Any], Counter[str]]:
        requests = read_json(self.store.inline_requests_path(record["id"])) or []
        settings = SettingsCache(model.requested)
        answerer = _Answerer(self.responder, record, model)
        entries: list[Entry] = []
        metas: list[dict[str, str]] = []
        for i, item in enumerate(requests):
            meta = string_metadata(item.get("metadata"))
            metas.append(meta)
            digest = _digest(item.get("request"), settings, answerer.hash_model)
            entries.append((meta.get("key", str(i)), digest))
        annotations = self.responder.annotations(_texts(entries))
        order = list(range(len(entries)))
        if answerer.shuffle:
            random.Random(f"{answerer.seed}:{record['id']}").shuffle(order)
        responses = []
        failed = 0
        cache: dict[tuple[int, str], tuple[str, int]] = {}
        for i in order:
            body = answerer.answer(i, entries[i], annotations, cache)
            if "error" in body:
                failed += 1
                error = body["error"]
                body = {"error": {"code": error["code"], "message": error["message"]}}
            if metas[i]:
                body["metadata"] = metas[i]
            responses.append(body)
        atomic_write_json(self.store.inline_responses_path(record["id"]), responses)
        result = {
            "state": SUCCEEDED,
            "endNs": now,
            "successful": len(entries) - failed,
            "failed": failed,
            "inline": True,
        }
        return result, answerer.fired


def _failed(now: int, message: str) -> dict[str, Any]:
    return {
        "state": FAILED,
        "endNs": now,
        "error": {"code": RPC_CODES["INTERNAL"], "message": message},
    }
