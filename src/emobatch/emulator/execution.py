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
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import IO, Any

from emobatch.atomic import fsync_dir

from . import ids
from .api_errors import RPC_CODES, ApiError
from .faults import row_fault
from .gen_request import Prepared, RequestError, SettingsCache, prepare
from .jobs import FAILED, SUCCEEDED
from .models import ModelInfo
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


def _digest(item: Any, settings: SettingsCache) -> Prepared | dict[str, Any]:
    """A request digested for the responder, or the error Status answered instead."""
    try:
        return prepare(item, settings)
    except RequestError as exc:
        return _error(exc)


def parse_line(raw: bytes, settings: SettingsCache) -> Entry:
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
    return key, _digest(obj["request"], settings)


def _chunks(fh: IO[bytes]) -> Iterator[list[bytes]]:
    lines = (raw for raw in fh if not raw.isspace())
    while chunk := list(islice(lines, CHUNK_LINES)):
        yield chunk


class _Answerer:
    """Answers one job's entries (row faults, per-chunk answer cache, fault counts)."""

    def __init__(self, responder: Responder, record: dict[str, Any], model: ModelInfo) -> None:
        fate = record.get("fate") or {}
        self.responder = responder
        self.model = model
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
        return self.responder.respond(
            item,
            annotations[item.user_text],
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

    def __init__(self, store: Store, responder: Responder) -> None:
        self.store = store
        self.responder = responder

    def run(self, record: dict[str, Any], now: int) -> tuple[dict[str, Any], Counter[str]]:
        model = ModelInfo(record["model"].removeprefix("models/"), bool(record.get("thinks")))
        if (record.get("source") or {}).get("inline"):
            return self._run_inline(record, model, now)
        return self._run_file(record, model, now)

    # -- file source -------------------------------------------------------------------
    def _run_file(
        self, record: dict[str, Any], model: ModelInfo, now: int
    ) -> tuple[dict[str, Any], Counter[str]]:
        input_id = record["source"]["fileName"].removeprefix("files/")
        in_path = self.store.blob_path(input_id)
        if not in_path.exists():
            return _failed(now, f"Input file files/{input_id} no longer exists."), Counter()
        out_id = ids.result_file_id(record["id"])
        out_path = self.store.blob_path(out_id)
        tmp = out_path.with_name(f".{out_id}.{os.getpid()}.tmp")
        answerer = _Answerer(self.responder, record, model)
        settings = SettingsCache()
        try:
            with (
                open(in_path, "rb") as fh,
                open(tmp, "wb", buffering=1 << 20) as out,
                ThreadPoolExecutor(1, thread_name_prefix="emulator-annotate") as pool,
            ):
                writer = _LineWriter(
                    out, f"{answerer.seed}:{record['id']}" if answerer.shuffle else None
                )
                pending: deque[tuple[list[Entry], Future[dict[str, dict[str, Any]]]]] = deque()
                index = 0
                for raw_lines in _chunks(fh):
                    entries = [parse_line(raw, settings) for raw in raw_lines]
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
        writer: _LineWriter,
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
        self, record: dict[str, Any], model: ModelInfo, now: int
    ) -> tuple[dict[str, Any], Counter[str]]:
        requests = read_json(self.store.inline_requests_path(record["id"])) or []
        settings = SettingsCache()
        entries: list[Entry] = []
        metas: list[dict[str, str]] = []
        for i, item in enumerate(requests):
            meta = string_metadata(item.get("metadata"))
            metas.append(meta)
            entries.append((meta.get("key", str(i)), _digest(item.get("request"), settings)))
        answerer = _Answerer(self.responder, record, model)
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


class _LineWriter:
    """Writes JSON lines (or buffers them to shuffle at the end), hashing as it goes."""

    def __init__(self, out: IO[bytes], shuffle_seed: str | None) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = self.lines = self.failed = 0
        self._encode: Callable[[Any], str] = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), check_circular=False
        ).encode
        self._shuffle_seed = shuffle_seed
        self._held: list[bytes] = []

    def write(self, line: dict[str, Any], failed: bool) -> None:
        data = (self._encode(line) + "\n").encode()
        self.lines += 1
        self.failed += failed
        if self._shuffle_seed is not None:
            self._held.append(data)
        else:
            self._emit(data)

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.sha.update(data)
        self.size += len(data)

    def close(self) -> None:
        if self._shuffle_seed is not None:
            random.Random(self._shuffle_seed).shuffle(self._held)
            for data in self._held:
                self._emit(data)
            self._held = []


def string_metadata(meta: Any) -> dict[str, str]:
    """Inline metadata as string->string (the SDK's ``InlinedResponse.metadata`` type)."""
    if not isinstance(meta, dict):
        return {}
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in meta.items()
    }


def _failed(now: int, message: str) -> dict[str, Any]:
    return {
        "state": FAILED,
        "endNs": now,
        "error": {"code": RPC_CODES["INTERNAL"], "message": message},
    }
