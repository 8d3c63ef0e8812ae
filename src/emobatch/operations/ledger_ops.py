"""Operations on the submission ledger: name a chunk by a sha prefix, forget an attempt.

The ledger (``settings.ledger_path``, format in :mod:`emobatch.ledger`) is append-only:
:func:`forget` never edits or deletes a line, it appends a ``forgotten`` record for one
(chunk, analysis, attempt), after which that attempt's earlier records no longer count and the
chunk can be submitted again. Only an interrupted intent (no job was confirmed) or a
CANCELLED job can be forgotten: anything else would pay for the same chunk twice.

Reads: the ledger (also to rebuild a job's sentinel from its ``submitted`` record); for a
confirmed job without a ``final`` record, the provider's state (through the ``live_state``
callback of :func:`plan_forget`, recorded with :func:`emobatch.ledger.record_final`, the
function the poller uses); the job sentinels ``RunPaths.sentinels()`` of the analysis (to name
the file the operator deletes next).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobatch.backends.base import BatchBackend
from emobatch.errors import EmobatchError
from emobatch.ledger import Ledger, Work, record_final
from emobatch.logs import batch_event
from emobatch.paths import run_dirs
from emobatch.records import Sentinel

__all__ = [
    "FORGETTABLE_STATES",
    "MIN_PREFIX",
    "ForgetPlan",
    "forget",
    "live_final",
    "plan_forget",
    "record_final",
    "resolve_chunk",
    "sentinel_from_ledger",
    "sentinels_of",
    "unique_prefix",
]

FORGETTABLE_STATES = ("CANCELLED",)
MIN_PREFIX = 6  # hex digits a prefix must have to name a chunk
SHOWN_PREFIX = 12  # hex digits `emobatch ledger show` prints

LiveState = Callable[[dict[str, Any]], str | None]


def unique_prefix(sha: str, others: Iterable[str], minimum: int = SHOWN_PREFIX) -> str:
    """The shortest prefix of ``sha`` (at least ``minimum`` digits) no other sha starts with."""
    rest = {o for o in others if o != sha}
    for n in range(min(minimum, len(sha)), len(sha) + 1):
        if not any(o.startswith(sha[:n]) for o in rest):
            return sha[:n]
    return sha


def _commands(work: set[tuple[str, str]], prefix: str, analysis: str | None) -> list[str]:
    """One unambiguous ``emobatch ledger forget`` command for each (sha, analysis)."""
    shas = [s for s, _ in work]
    out = []
    for sha, an in sorted(work):
        named = unique_prefix(sha, shas, max(len(prefix), SHOWN_PREFIX))
        needs_analysis = analysis is not None or shas.count(sha) > 1
        out.append(
            f"`emobatch ledger forget {named}{f' --analysis {an}' if needs_analysis else ''}`"
        )
    return out


def resolve_chunk(ledger: Ledger, prefix: str, analysis: str | None = None) -> tuple[str, str]:
    """The (chunk sha256, analysis id) a prefix names: the ledger keys work by both.

    An ambiguous prefix is an error whose hint lists, for each match, a command with a prefix
    that is unique (and ``--analysis`` where the same chunk exists under several analyses).
    """
    prefix = prefix.strip().lower()
    if len(prefix) < MIN_PREFIX:
        raise EmobatchError(
            f"{prefix!r} is too short to name a chunk safely",
            hint=f"give at least {MIN_PREFIX} hex digits of the chunk's sha256 (see "
            "`emobatch ledger show`)",
        )
    work = {
        (str(r["chunk_sha256"]), str(r.get("analysis_id")))
        for r in ledger.records()
        if str(r.get("chunk_sha256", "")).startswith(prefix)
        and r.get("analysis_id")
        and (analysis is None or r.get("analysis_id") == analysis)
    }
    if not work:
        raise EmobatchError(
            f"no ledger record for a chunk whose sha256 starts with {prefix}"
            + (f" under analysis {analysis}" if analysis else ""),
            hint="see `emobatch ledger show`",
        )
    if len(work) > 1:
        raise EmobatchError(
            f"{prefix} matches {len(work)} chunks or analyses ("
            + ", ".join(f"{s[:16]} in {a}" for s, a in sorted(work))
            + ")",
            hint="name one of them: " + ", ".join(_commands(work, prefix, analysis)),
        )
    return work.pop()


@dataclass(frozen=True)
class ForgetPlan:
    """What :func:`forget` would forget (shown to the operator before they confirm)."""

    chunk_sha256: str
    analysis_id: str
    attempt: int
    what: str  # "job batches/x (CANCELLED)" or "the interrupted intent of <display name>"

    def describe(self) -> str:
        return f"{self.what} for chunk {self.chunk_sha256[:12]} attempt {self.attempt}"


def plan_forget(
    ledger: Ledger,
    prefix: str,
    *,
    analysis: str | None = None,
    attempt: int | None = None,
    live_state: LiveState | None = None,
) -> ForgetPlan:
    """Check that the attempt (default: the latest) of the chunk ``prefix`` names may be
    forgotten; raise an :class:`~emobatch.errors.EmobatchError` that says why not otherwise.

    ``live_state(submitted_record)`` gives a confirmed job's terminal state (or None while it
    runs) when the ledger has no ``final`` record for it; without it such a job is refused.
    """
    sha, analysis = resolve_chunk(ledger, prefix, analysis)
    attempts = ledger.attempts(sha, analysis)
    if attempt is None:
        attempt = max(attempts) if attempts else 0
    state = attempts.get(attempt)
    if state is None or (state.intent is None and state.submitted is None):
        raise EmobatchError(
            f"chunk {sha[:12]} attempt {attempt} has nothing to forget",
            hint="see `emobatch ledger show`",
        )
    if state.submitted is None:
        display = (state.intent or {}).get("display_name")
        return ForgetPlan(sha, analysis, attempt, f"the interrupted intent of {display}")
    job = state.submitted["job_name"]
    final = (state.final or {}).get("state")
    if final is None and live_state is not None:
        final = live_state(state.submitted)
    if final not in FORGETTABLE_STATES:
        raise EmobatchError(
            f"chunk {sha[:12]} attempt {attempt} was submitted as job {job} "
            f"({final or 'not finished'}); forgetting it would pay for the same chunk twice. "
            "Only interrupted intents and cancelled jobs can be forgotten.",
            hint=(
                f"cancel it first (`emobatch jobs cancel {job}`) if you want it gone"
                if final is None
                else "nothing to forget: the pipeline uses its results (FAILED and EXPIRED "
                "jobs are resubmitted per batch.job_resubmits)"
            ),
        )
    return ForgetPlan(sha, analysis, attempt, f"job {job} ({final})")


def live_final(ledger: Ledger, backend: BatchBackend, submitted: dict[str, Any]) -> str | None:
    """A confirmed job's terminal state from the provider (recorded as ``final``), or None."""
    status = backend.get(submitted["job_name"])
    if not status.done:
        return None
    work = Work(
        str(submitted["chunk_sha256"]),
        str(submitted.get("analysis_id")),
        int(submitted.get("attempt", 0)),
    )
    record_final(ledger, work, status)
    return status.state


def forget(ledger: Ledger, plan: ForgetPlan) -> dict[str, Any]:
    """Append the ``forgotten`` record of ``plan`` (see the module); return it."""
    record = ledger.append(
        "forgotten",
        chunk_sha256=plan.chunk_sha256,
        analysis_id=plan.analysis_id,
        attempt=plan.attempt,
        reason=f"emobatch ledger forget: {plan.what}",
    )
    batch_event(
        "ledger",
        "forgot %s for chunk %s attempt %d (emobatch ledger forget)",
        plan.what,
        plan.chunk_sha256[:12],
        plan.attempt,
    )
    return record


def sentinels_of(sha: str, analysis: str) -> list[Path]:
    """The job sentinels of chunk ``sha`` under ``analysis`` (unreadable ones are skipped)."""
    out = []
    for run in run_dirs():
        if run.analysis != analysis:
            continue
        for path in run.sentinels():
            try:
                if Sentinel.load(path).chunk_sha256 == sha:
                    out.append(path)
            except (OSError, EmobatchError):
                continue
    return out


def sentinel_from_ledger(ledger: Ledger, job_name: str) -> Sentinel | None:
    """The sentinel of a job rebuilt from its ``submitted`` record (``how = ledger``), e.g. for
    a resubmitted attempt, whose sentinel file is the chunk's first job's."""
    for entry in ledger.jobs():
        sub = entry.get("submitted")
        if entry["job_name"] == job_name and sub:
            return Sentinel(
                job_name=job_name,
                display_name=sub.get("display_name") or "",
                chunk_file=sub["chunk_file"],
                chunk_sha256=sub["chunk_sha256"],
                attempt=int(sub.get("attempt", 0)),
                model=sub["model"],
                mode=sub["mode"],
                analysis_id=sub["analysis_id"],
                submitted_at=sub.get("submitted_at") or "",
                request_count=int(sub.get("requests") or 0),
                api_key_fingerprint=sub.get("key_fp") or "",
                backend=sub.get("backend") or "",
                how="ledger",
            )
    return None
