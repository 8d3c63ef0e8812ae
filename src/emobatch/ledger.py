"""The append-only submission ledger: the guarantee that a chunk is paid for at most once.

Snakemake cannot promise that a paid step runs once (``-F``, ``-R``, touched scripts,
``--rerun-incomplete``, crashes, ``protected()`` ignored as root). The submit program can:
every submission is recorded here, keyed by the sha256 of the chunk's bytes, under a lock:

1. ``intent``     written (and fsynced) BEFORE the paid call;
2. ``submitted``  written after the provider confirmed the job (or reconciliation found it);
3. ``final``      written (:func:`record_final`) by the poller when the job reached a
                  terminal state, or by ``emobatch ledger forget`` when it asked the provider;
4. ``cost``       estimate at submit, actual after parse (see ``emobatch.costs``);
5. ``forgotten``  written by ``emobatch ledger forget`` when the operator is certain no
                  job exists for an interrupted intent (or the attempt's job was cancelled):
                  the attempt's earlier records no longer count, so the chunk can be
                  submitted again.

A chunk with a ``submitted`` record is never submitted again. An ``intent`` without a
``submitted`` record (a crash between the two) is reconciled with the provider by display name
across every page of ``batches.list``. The file lives outside Snakemake's outputs; never delete it.

Format version 1: one JSON object per line, fields ``v`` (=1), ``event``, ``at`` (UTC ISO 8601),
``chunk_sha256``, ``analysis_id`` (together: the work), ``attempt`` (0 for the first job of
a chunk, n for the n-th resubmission after FAILED/EXPIRED), plus event-specific fields
(``display_name``, ``job_name``, ``model``, ``key_fp`` = a fingerprint of the API key, never
the key).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

FORMAT_VERSION = 1
log = logging.getLogger("emobatch.ledger")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class AttemptState:
    """What the ledger knows about one (chunk, attempt)."""

    intent: dict[str, Any] | None = None
    submitted: dict[str, Any] | None = None
    final: dict[str, Any] | None = None
    costs: list[dict[str, Any]] = field(default_factory=list)


class Ledger:
    """An append-only JSONL file with a global append lock and per-chunk submit locks."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._append_lock = FileLock(str(self.path) + ".lock")
        self._locks_dir = self.path.parent / "locks"

    def chunk_lock(self, chunk_sha256: str, timeout: float = -1) -> FileLock:
        """A lock held for the whole submit of one chunk (other chunks proceed in parallel)."""
        self._locks_dir.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self._locks_dir / f"{chunk_sha256[:32]}.lock"), timeout=timeout)

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record durably (fsync) and return it."""
        record = {"v": FORMAT_VERSION, "event": event, "at": utc_now(), **fields}
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with self._append_lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                if _ends_without_newline(self.path):  # a torn line from a crash: seal it
                    os.write(fd, b"\n")
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record, oldest first (a torn line from a crash is skipped, logged)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    log.warning(
                        "ledger %s line %d is torn (a crash mid-write); ignored", self.path, lineno
                    )
                    continue
                if isinstance(record, dict):
                    yield record

    def attempts(self, chunk_sha256: str, analysis: str) -> dict[int, AttemptState]:
        """State of every attempt of one chunk under one analysis.

        The same bytes under another analysis (another model) are other work: the request
        lines do not name the model, so the chunk hash alone cannot tell them apart.
        """
        out: dict[int, AttemptState] = {}
        for rec in self.records():
            if rec.get("chunk_sha256") != chunk_sha256 or rec.get("analysis_id") != analysis:
                continue
            state = out.setdefault(int(rec.get("attempt", 0)), AttemptState())
            kind = rec.get("event")
            if kind == "intent" and state.intent is None:
                state.intent = rec
            elif kind == "submitted" and state.submitted is None:
                state.submitted = rec
            elif kind == "final":
                state.final = rec
            elif kind == "cost":
                state.costs.append(rec)
            elif kind == "forgotten":  # the operator cleared this attempt: start afresh
                out[int(rec.get("attempt", 0))] = AttemptState()
        return out

    def attempt(self, chunk_sha256: str, analysis: str, attempt: int) -> AttemptState:
        return self.attempts(chunk_sha256, analysis).get(attempt, AttemptState())

    def active_jobs(self) -> list[dict[str, Any]]:
        """``submitted`` records whose job has no ``final`` record yet (still enqueued)."""
        submitted: dict[str, dict[str, Any]] = {}
        finished: set[str] = set()
        for rec in self.records():
            if rec.get("event") == "submitted":
                submitted[rec["job_name"]] = rec
            elif rec.get("event") == "final":
                finished.add(rec.get("job_name", ""))
        return [rec for name, rec in submitted.items() if name not in finished]

    def jobs(self) -> list[dict[str, Any]]:
        """Every confirmed job with its final record (if any) and costs, newest last."""
        by_job: dict[str, dict[str, Any]] = {}
        for rec in self.records():
            name = rec.get("job_name")
            if not name:
                continue
            entry = by_job.setdefault(name, {"job_name": name})
            kind = rec.get("event")
            if kind == "submitted":
                entry["submitted"] = rec
            elif kind == "final":
                entry["final"] = rec
            elif kind == "cost":
                entry.setdefault("costs", []).append(rec)
        return list(by_job.values())


class WorkAttempt(Protocol):
    """One attempt of one chunk under one analysis (a :class:`~emobatch.records.Sentinel`)."""

    @property
    def chunk_sha256(self) -> str: ...
    @property
    def analysis_id(self) -> str: ...
    @property
    def attempt(self) -> int: ...


class FinalStatus(Protocol):
    """A job's terminal state and counts (an :class:`~emobatch.backends.base.JobStatus`)."""

    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def request_count(self) -> int: ...
    @property
    def succeeded(self) -> int: ...
    @property
    def failed(self) -> int: ...


@dataclass(frozen=True)
class Work:
    """A (chunk, analysis, attempt) named by plain values, e.g. from a ``submitted`` record."""

    chunk_sha256: str
    analysis_id: str
    attempt: int = 0


def record_final(ledger: Ledger, work: WorkAttempt, status: FinalStatus) -> dict[str, Any] | None:
    """Append the ``final`` record of ``work``'s job unless the attempt has one; return it.

    The poller (``stages.poll``) and the operator commands (``emobatch ledger forget`` asking
    the provider) both record a job's terminal state through here, so the record is the same.
    """
    if ledger.attempt(work.chunk_sha256, work.analysis_id, work.attempt).final is not None:
        return None
    return ledger.append(
        "final",
        chunk_sha256=work.chunk_sha256,
        analysis_id=work.analysis_id,
        attempt=work.attempt,
        job_name=status.name,
        state=status.state,
        request_count=status.request_count,
        succeeded=status.succeeded,
        failed=status.failed,
    )


def _ends_without_newline(path: Path) -> bool:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size == 0:
        return False
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) != b"\n"
