"""Synchronous delivery (Flex tier or standard interactive calls), one chunk at a time.

The seed toolkit's realtime path at batch price: every request line of a chunk is sent with
``models.generate_content`` through the backend seam (``service_tier: flex`` or ``standard``),
``concurrency`` at a time, under a client-side :class:`~emobatch.ratelimit.RateLimiter`
(requests and tokens per minute). The output has the shape of a batch download, so recovery,
parse, merge and every later stage are shared:

- ``raw/<chunk>.jsonl``: one line per key, ``{"key", "response"}`` or ``{"key", "error"}``
  (a 4xx answer, not retried), plus ``"serviceTier"`` (the tier that answered);
- ``retries/<chunk>-r<n>.out.jsonl``: the rows re-sent in retry round n (invalid or truncated
  answers, keys given up on), judged as for batch (:mod:`emobatch.responses`);
- ``recovered/<chunk>.json``: the round manifest (:class:`~emobatch.records.Recovered`).

**Never pay twice, row by row.** Each answer is appended to ``<output>.partial`` and fsynced
as it arrives; a crash or kill loses at most the calls in flight, and the rerun sends only the
keys that have no line yet (a torn last line is dropped). The partial file becomes the output
only when every key was tried.

**Errors.** 429 and 5xx are retried with exponential backoff and jitter (tenacity, at most
``max_attempts`` per request). A Flex request the service sheds (503) is retried after
``shed_retry_seconds``, never silently at another price; with ``flex_fallback: interactive``
it is sent at the standard price after ``max_attempts`` sheds (counted, and priced as such).
A request given up on is left out of the output; the retry rounds send it again.

The ledger gets one ``realtime`` record per chunk and round: delivery, requests sent, paid calls
(answers received), sheds, fallbacks, keys given up.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tenacity

from emobatch.backends.base import BatchBackend
from emobatch.config import DeliverySettings
from emobatch.crashpoints import crashpoint
from emobatch.errors import BackendError, RefusedByBackend, TransientBackendError
from emobatch.ledger import Ledger
from emobatch.logs import batch_event
from emobatch.packing import single_requests
from emobatch.records import Recovered
from emobatch.responses import ReadAnswer, judge_rounds
from emobatch.stages.recover import count_reasons, retry_request
from emobatch.stages.submit import Clock
from emobatch.tokens import request_prompt_tokens

log = logging.getLogger("emobatch.realtime")
TIERS = {"flex": "flex", "interactive": "standard"}


@dataclass(frozen=True)
class RealtimeSettings:
    delivery: str = "flex"  # flex | interactive
    concurrency: int = 8
    requests_per_minute: float = 1000.0
    tokens_per_minute: float = 4_000_000.0
    max_attempts: int = 8
    retry_initial_delay_seconds: float = 1.0
    retry_max_delay_seconds: float = 60.0
    shed_retry_seconds: float = 30.0
    flex_fallback: str | None = None
    retry_rounds: int = 2

    @classmethod
    def of(cls, delivery: DeliverySettings, retry_rounds: int) -> RealtimeSettings:
        """The configured ``delivery`` and ``realtime.*`` settings."""
        return cls(
            delivery=delivery.kind,
            concurrency=delivery.concurrency,
            requests_per_minute=delivery.requests_per_minute,
            tokens_per_minute=delivery.tokens_per_minute,
            max_attempts=delivery.max_attempts,
            retry_initial_delay_seconds=delivery.retry_initial_delay_seconds,
            retry_max_delay_seconds=delivery.retry_max_delay_seconds,
            shed_retry_seconds=delivery.shed_retry_seconds,
            flex_fallback=delivery.flex_fallback,
            retry_rounds=retry_rounds,
        )


@dataclass
class Tally:
    sent: int = 0
    paid: int = 0
    refused: int = 0
    shed: int = 0
    fallback: int = 0
    given_up: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict[str, int]:
        return {
            k: getattr(self, k) for k in ("sent", "paid", "refused", "shed", "fallback", "given_up")
        }


def read_lines(chunk: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with open(chunk, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                yield str(obj["key"]), obj["request"]


def _answered(partial: Path) -> set[str]:
    """Keys with a line in ``partial``; a torn last line (a kill mid-write) is cut off."""
    if not partial.exists():
        return set()
    data = partial.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with open(partial, "rb+") as fh:
            fh.truncate(end)
            os.fsync(fh.fileno())
    return {str(json.loads(line)["key"]) for line in data[:end].splitlines() if line.strip()}


class _Caller:
    """Sends one request with the retry, shed and fallback rules of the module docstring."""

    def __init__(
        self, backend: BatchBackend, model: str, settings: RealtimeSettings, clock: Clock
    ) -> None:
        from emobatch.ratelimit import RateLimiter

        self.backend, self.model, self.s, self.clock = backend, model, settings, clock
        self.tally = Tally()
        self.limiter = RateLimiter(
            settings.requests_per_minute,
            settings.tokens_per_minute,
            monotonic=clock.monotonic,
            sleep=clock.sleep,
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if self._shed(exc):
            return self.s.shed_retry_seconds * (1 + 0.2 * random.random())
        backoff = tenacity.wait_exponential_jitter(
            initial=self.s.retry_initial_delay_seconds,
            max=self.s.retry_max_delay_seconds,
            jitter=min(1.0, self.s.retry_initial_delay_seconds),
        )
        return float(backoff(state))

    @staticmethod
    def _shed(exc: BaseException | None) -> bool:
        return isinstance(exc, TransientBackendError) and exc.code == 503

    def _attempts(self, key: str, request: dict[str, Any], tier: str) -> dict[str, Any]:
        tokens = request_prompt_tokens(request)

        def once() -> dict[str, Any]:
            self.limiter.acquire(tokens)
            self.tally.add(sent=1)
            try:
                return self.backend.generate_content(self.model, request, service_tier=tier)
            except TransientBackendError as exc:
                if tier == "flex" and exc.code == 503:
                    self.tally.add(shed=1)
                raise

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.s.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(TransientBackendError),
            sleep=self.clock.sleep,
            reraise=True,
        )
        return retrying(once)

    def call(self, key: str, request: dict[str, Any]) -> dict[str, Any] | None:
        """The output line for ``key``, or None when it was given up on (sent again later)."""
        tier = TIERS[self.s.delivery]
        try:
            response = self._attempts(key, request, tier)
        except RefusedByBackend as exc:
            self.tally.add(refused=1)
            return {"key": key, "error": {"code": exc.code, "message": str(exc).splitlines()[0]}}
        except TransientBackendError as exc:
            if not (tier == "flex" and self._shed(exc) and self.s.flex_fallback == "interactive"):
                self.tally.add(given_up=1)
                log.warning("%s: given up after %d attempts (%s)", key, self.s.max_attempts, exc)
                return None
            self.tally.add(fallback=1)
            log.warning(
                "%s: shed %d times on flex; sent at the standard price", key, self.s.max_attempts
            )
            tier = "standard"
            try:
                response = self._attempts(key, request, tier)
            except BackendError:
                self.tally.add(given_up=1)
                return None
        self.tally.add(paid=1)
        return {"key": key, "response": response, "serviceTier": tier}


def answer_all(
    caller: _Caller, lines: list[tuple[str, dict[str, Any]]], out: Path, concurrency: int
) -> dict[str, int]:
    """Answer every line into ``out`` (resuming ``out.partial``); return the tally."""
    if out.exists():
        return {"resumed": len(lines), "todo": 0}
    partial = out.with_name(out.name + ".partial")
    partial.parent.mkdir(parents=True, exist_ok=True)
    done = _answered(partial)
    todo = [(k, r) for k, r in lines if k not in done]
    write = threading.Lock()
    with open(partial, "ab") as fh:

        def work(item: tuple[str, dict[str, Any]]) -> None:
            line = caller.call(*item)
            if line is None:
                return
            data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            with write:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            crashpoint("during_realtime")

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(work, todo))
    os.replace(partial, out)
    return {"resumed": len(done), "todo": len(todo)}


def code_chunk(
    backend: BatchBackend,
    ledger: Ledger,
    *,
    chunk: Path,
    model: str,
    analysis: str,
    mode: str,
    raw: Path,
    retries_dir: Path,
    out_manifest: Path,
    read_answer: ReadAnswer,
    settings: RealtimeSettings,
    clock: Clock | None = None,
) -> Recovered:
    """Code one chunk synchronously, with row-level retry rounds; write its round manifest."""
    from emobatch.identity import file_sha256

    caller = _Caller(backend, model, settings, clock or Clock())
    lines = list(read_lines(chunk))
    requests = dict(single_requests(lines))  # a packed post is retried alone (emobatch.packing)
    keys = list(requests)
    sha = file_sha256(chunk)
    name = f"{settings.delivery}:{chunk.stem}"
    rounds: list[dict[str, Any]] = []
    todo = lines
    for number in range(settings.retry_rounds + 1):
        out = raw if number == 0 else retries_dir / f"{chunk.stem}-r{number}.out.jsonl"
        before = caller.tally.as_dict()
        resumed = answer_all(caller, todo, out, settings.concurrency)
        after = caller.tally.as_dict()
        delta = {k: after[k] - before[k] for k in after}
        ledger.append(
            "realtime",
            chunk_sha256=sha,
            analysis_id=analysis,
            mode=mode,
            round=number,
            delivery=settings.delivery,
            model=model,
            requests=len(todo),
            resumed=resumed.get("resumed", 0),
            to_send=resumed.get("todo", 0),
            **delta,
        )
        batch_event(
            settings.delivery,
            "%s round %d: %d requests (%d answered before, from the partial output; %d to "
            "send): %d answered, %d refused, %d shed, %d at standard price, %d given up",
            chunk.name,
            number,
            len(todo),
            resumed.get("resumed", 0),
            resumed.get("todo", 0),
            delta["paid"],
            delta["refused"],
            delta["shed"],
            delta["fallback"],
            delta["given_up"],
        )
        rounds.append({"round": number, "raw": str(out), "job_name": f"{name}:r{number}"})
        best = judge_rounds(keys, rounds, read_answer)
        failed = {k: r for k, (r, _, _) in best.items() if not r.ok and r.retryable}
        if not failed or number == settings.retry_rounds:
            break
        todo = [(k, retry_request(requests[k], r)) for k, r in failed.items()]
    still = {k: r for k, (r, _, _) in best.items() if not r.ok}
    manifest = Recovered(
        chunk_file=str(chunk),
        requests=len(keys),
        rounds=rounds,
        ok=len(keys) - len(still),
        failed=len(still),
        failed_reasons=count_reasons(still.values()),
    )
    manifest.dump(out_manifest)
    return manifest
