"""Submit one chunk at most once: ledger intent -> upload -> create -> ledger confirmation.

The rules (see ``emobatch.ledger``):

- a chunk whose attempt has a ``submitted`` record is never sent again: the sentinel is
  rewritten from the ledger and no API call is made;
- an ``intent`` without ``submitted`` (a crash, a lost create response) is reconciled by
  display name across EVERY page of ``batches.list``; a listing that fails part-way proves
  nothing, so we stop and say so; an intent recorded under another API key is never
  resubmitted silently;
- ``create`` is not idempotent: a 429 is retried after a backoff (within ``max_wait_hours``);
  a timeout, a dropped connection or a 5xx is reconciled first, and retried only when the
  job provably does not exist;
- before creating, wait while the model's enqueued tokens or the number of running jobs would
  exceed ``max_enqueued_tokens`` / ``max_concurrent_jobs``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobatch.backends.base import BatchBackend, JobStatus, RemoteListingIncomplete
from emobatch.crashpoints import crashpoint
from emobatch.errors import BackendError, RefusedByBackend, SubmissionError
from emobatch.identity import display_name, file_sha256
from emobatch.ledger import Ledger, utc_now
from emobatch.logs import batch_event
from emobatch.records import Sentinel
from emobatch.retry import is_ambiguous_create_failure, status_of

log = logging.getLogger("emobatch.submit")


@dataclass(frozen=True)
class SubmitLimits:
    max_wait_hours: float = 26.0
    max_concurrent_jobs: int = 100
    max_enqueued_tokens: int = 3_000_000
    create_attempts: int = 8  # ambiguous failures reconciled before giving up
    backoff_initial: float = 5.0
    backoff_max: float = 600.0


@dataclass
class Clock:
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


def count_requests(chunk: Path) -> int:
    with open(chunk, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def estimate_chunk_tokens(chunk: Path) -> int:
    """Estimated input tokens of a chunk (the same heuristic the emulator reports)."""
    from emobatch.costs import chunk_input_tokens

    return chunk_input_tokens(chunk)


def find_jobs(backend: BatchBackend, name: str) -> list[JobStatus]:
    """Jobs with this display name; raises RemoteListingIncomplete if any page failed."""
    return [job for job in backend.iter_jobs() if job.display_name == name]


def endpoint_of(backend: BatchBackend) -> str | None:
    """Where the backend sends its calls (a base URL, never with a key); None for ``local``,
    whose in-process emulator lives at a new port each time (its state directory is what counts).
    """
    if backend.name == "local":
        return None
    url = getattr(backend, "base_url", None)
    return str(url) if url else None


def _sentinel(
    record: dict[str, Any],
    *,
    chunk: Path,
    how: str,
    backend: BatchBackend,
    mode: str,
    analysis: str,
) -> Sentinel:
    return Sentinel(
        job_name=record["job_name"],
        display_name=record["display_name"],
        model=record["model"],
        chunk_file=str(chunk),
        chunk_sha256=record["chunk_sha256"],
        request_count=record["requests"],
        estimated_input_tokens=record.get("estimated_input_tokens"),
        file_name=record.get("file_name"),
        attempt=record["attempt"],
        submitted_at=record["submitted_at"],
        api_key_fingerprint=record["key_fp"],
        backend=backend.name,
        endpoint=record.get("endpoint") or endpoint_of(backend),
        how=how,
        mode=mode,
        analysis_id=analysis,
    )


def submit_chunk(
    backend: BatchBackend,
    ledger: Ledger,
    chunk: Path,
    *,
    model: str,
    analysis: str,
    mode: str,
    attempt: int = 0,
    limits: SubmitLimits | None = None,
    clock: Clock | None = None,
    before_create: Callable[[], None] | None = None,
) -> Sentinel:
    """Make sure exactly one job exists for (chunk content, attempt); return its sentinel.

    ``before_create`` is a test hook called right before the paid call.
    """
    limits = limits or SubmitLimits()
    clock = clock or Clock()
    sha = file_sha256(chunk)
    name = display_name(sha, analysis) + (f"-r{attempt}" if attempt else "")
    with ledger.chunk_lock(sha):
        state = ledger.attempt(sha, analysis, attempt)
        if state.submitted:
            rec = state.submitted
            if rec.get("key_fp") != backend.api_key_fingerprint:
                log.warning(
                    "chunk %s was submitted as %s under API key %s; the current key is %s. "
                    "Not submitting again. Polling needs the original key.",
                    chunk.name,
                    rec["job_name"],
                    rec.get("key_fp"),
                    backend.api_key_fingerprint,
                )
            batch_event(
                "submit",
                "%s already submitted as %s (ledger); no API call",
                chunk.name,
                rec["job_name"],
            )
            return _sentinel(
                rec, chunk=chunk, how="ledger", backend=backend, mode=mode, analysis=analysis
            )

        requests = count_requests(chunk)
        tokens = estimate_chunk_tokens(chunk)
        base = {
            "chunk_sha256": sha,
            "attempt": attempt,
            "display_name": name,
            "model": model,
            "requests": requests,
            "estimated_input_tokens": tokens,
            "key_fp": backend.api_key_fingerprint,
            "backend": backend.name,
            "endpoint": endpoint_of(backend),
            "analysis_id": analysis,
            "mode": mode,
            "chunk_file": str(chunk),
        }

        if state.intent:
            if state.intent.get("key_fp") != backend.api_key_fingerprint:
                raise SubmissionError(
                    f"{chunk}: an earlier submit of this chunk (display name {name}) was "
                    f"interrupted under API key {state.intent.get('key_fp')}, and the current key "
                    f"is {backend.api_key_fingerprint}. The job may exist in the other key's "
                    "project, where this key cannot see it.",
                    hint="set GEMINI_API_KEY back to the key with that fingerprint and re-run; "
                    "if you are certain no job was created, record it with "
                    "`emobatch ledger forget` (see config/README.md)",
                )
            found = _reconcile(backend, name, chunk)
            if found is not None:
                return _confirm(
                    ledger, base, found, None, "reconciled", chunk, backend, mode, analysis
                )
            log.info("intent for %s has no job at the provider (full listing): creating", name)
        else:
            ledger.append("intent", **base)

        _wait_for_capacity(backend, ledger, model, tokens, limits, clock)
        crashpoint("before_upload")
        file_name = backend.upload(chunk, name)
        crashpoint("after_upload")
        batch_event("submit", "%s uploaded as %s (%d requests)", chunk.name, file_name, requests)
        ledger.append(
            "uploaded",
            chunk_sha256=sha,
            analysis_id=analysis,
            attempt=attempt,
            file_name=file_name,
            display_name=name,
        )
        job, how = _create(backend, model, file_name, name, chunk, limits, clock, before_create)
        crashpoint("after_create")
        return _confirm(ledger, base, job, file_name, how, chunk, backend, mode, analysis)


def _confirm(
    ledger: Ledger,
    base: dict[str, Any],
    job: JobStatus,
    file_name: str | None,
    how: str,
    chunk: Path,
    backend: BatchBackend,
    mode: str,
    analysis: str,
) -> Sentinel:
    rec = ledger.append(
        "submitted",
        **base,
        job_name=job.name,
        file_name=file_name,
        how=how,
        submitted_at=job.create_time or utc_now(),
    )
    batch_event(
        "submit",
        "%s -> %s (%s, display name %s, %d requests)",
        chunk.name,
        job.name,
        how,
        base["display_name"],
        base["requests"],
    )
    return _sentinel(rec, chunk=chunk, how=how, backend=backend, mode=mode, analysis=analysis)


def _reconcile(backend: BatchBackend, name: str, chunk: Path) -> JobStatus | None:
    """The job with this display name, or None when a COMPLETE listing shows there is none."""
    try:
        matches = find_jobs(backend, name)
    except RemoteListingIncomplete as exc:
        raise SubmissionError(
            f"{chunk}: cannot tell whether job {name!r} exists: listing batch jobs failed "
            f"part-way ({exc}). A partial listing proves nothing, so nothing was submitted.",
            hint="re-run the same command later; the ledger keeps the intent",
        ) from exc
    if not matches:
        return None
    matches.sort(key=lambda j: j.create_time or "")
    if len(matches) > 1:
        log.error(
            "display name %s matches %d jobs (%s); adopting the oldest, %s. The others "
            "were not created by this ledger's owner or predate it: cancel them with "
            "`emobatch jobs cancel`.",
            name,
            len(matches),
            ", ".join(j.name for j in matches),
            matches[0].name,
        )
    batch_event("submit", "reconciled %s with existing job %s", name, matches[0].name)
    return matches[0]


def _create(
    backend: BatchBackend,
    model: str,
    file_name: str,
    name: str,
    chunk: Path,
    limits: SubmitLimits,
    clock: Clock,
    before_create: Callable[[], None] | None,
) -> tuple[JobStatus, str]:
    deadline = clock.monotonic() + limits.max_wait_hours * 3600
    delay = limits.backoff_initial
    ambiguous = 0
    while True:
        if before_create:
            before_create()
        try:
            return backend.create(model, file_name, name), "created"
        except Exception as exc:
            code = status_of(exc)
            if code == 429:
                if clock.monotonic() + delay > deadline:
                    raise SubmissionError(
                        f"{chunk}: Gemini kept answering 429 RESOURCE_EXHAUSTED for "
                        f"{limits.max_wait_hours} h; nothing was created.",
                        hint="re-run later, or lower batch.max_enqueued_tokens",
                    ) from exc
                log.warning("create %s: 429 RESOURCE_EXHAUSTED; retrying in %.0fs", name, delay)
                clock.sleep(delay)
                delay = min(delay * 2, limits.backoff_max)
                continue
            if is_ambiguous_create_failure(exc):
                ambiguous += 1
                log.warning(
                    "create %s failed ambiguously (%s); reconciling before any retry",
                    name,
                    type(exc).__name__ if code is None else f"HTTP {code}",
                )
                found = _reconcile(backend, name, chunk)
                if found is not None:
                    return found, "reconciled"
                if ambiguous >= limits.create_attempts:
                    raise SubmissionError(
                        f"{chunk}: creating job {name!r} failed {ambiguous} times ({exc}); "
                        "a full listing shows no such job, so nothing is paid for.",
                        hint="check the service status and re-run the same command",
                    ) from exc
                clock.sleep(min(delay, 30.0))
                delay = min(delay * 2, limits.backoff_max)
                continue
            if isinstance(exc, RefusedByBackend):
                raise BackendError(
                    f"{chunk}: the provider refused to create job {name!r}: "
                    f"{str(exc).splitlines()[0]}",
                    hint="check batch.model_name and the chunk file named above",
                    code=exc.code,
                ) from exc
            raise


def _wait_for_capacity(
    backend: BatchBackend,
    ledger: Ledger,
    model: str,
    tokens: int,
    limits: SubmitLimits,
    clock: Clock,
) -> None:
    """Wait until this chunk fits under max_concurrent_jobs and max_enqueued_tokens."""
    deadline = clock.monotonic() + limits.max_wait_hours * 3600
    announced = False
    while True:
        active = [r for r in ledger.active_jobs() if r.get("key_fp") == backend.api_key_fingerprint]
        still: list[dict[str, Any]] = []
        for rec in active:
            try:
                status = backend.get(rec["job_name"])
            except Exception:
                still.append(rec)
                continue
            if status.done:
                ledger.append(
                    "final",
                    chunk_sha256=rec["chunk_sha256"],
                    attempt=rec["attempt"],
                    analysis_id=rec.get("analysis_id"),
                    job_name=rec["job_name"],
                    state=status.state,
                )
            else:
                still.append(rec)
        enqueued = sum(
            int(r.get("estimated_input_tokens") or 0) for r in still if r.get("model") == model
        )
        fits_tokens = enqueued == 0 or enqueued + tokens <= limits.max_enqueued_tokens
        if len(still) < limits.max_concurrent_jobs and fits_tokens:
            return
        if clock.monotonic() > deadline:
            raise SubmissionError(
                f"waited {limits.max_wait_hours} h for capacity: {len(still)} jobs running, "
                f"{enqueued:,} tokens enqueued for {model}",
                hint="re-run later, or raise batch.max_concurrent_jobs / max_enqueued_tokens",
            )
        if not announced:
            log.info(
                "waiting for capacity: %d jobs running, %s tokens enqueued for %s "
                "(+%s for this chunk; limit %s)",
                len(still),
                f"{enqueued:,}",
                model,
                f"{tokens:,}",
                f"{limits.max_enqueued_tokens:,}",
            )
            announced = True
        clock.sleep(min(60.0, limits.backoff_max))


def write_sentinel(path: Path, sentinel: Sentinel) -> None:
    sentinel.dump(path)
