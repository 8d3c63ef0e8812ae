"""Read-only statistics over a state directory (every process that used it)."""

from __future__ import annotations

import os
from typing import Any

from . import jobs
from .clock import Clock, SystemClock
from .store import Store


def read_stats(state_dir: str | os.PathLike[str], *, clock: Clock | None = None) -> dict[str, Any]:
    """Counts aggregated over all server processes that used ``state_dir``.

    Never writes (no locks taken): the counters file is replaced atomically. Keys:
    ``creates_total``, ``creates_by_display_name``, ``upload_starts``, ``uploads``,
    ``calls`` (per operation), ``faults_fired`` (per kind; row faults count lines),
    ``jobs_total`` and ``jobs_by_state`` (jobs that exist now, in their current state on
    ``clock``, default real time), ``files_total``, ``generate_content_calls_by_tier`` and
    ``generate_content_answered_by_tier`` (``generateContent`` calls per service tier,
    all of them / those answered 200), ``duplicate_requests`` (answers to a body that had
    been answered before, see :mod:`.replicas`).
    """
    store = Store(state_dir)
    counters = store.read_counters()
    now = (clock or SystemClock()).now_ns()
    by_state = dict.fromkeys(jobs.STATES, 0)
    records = store.list_batches()
    polls = counters.get("polls", {})
    for record in records:
        state = jobs.current_state(record, now, int(polls.get(record["id"], 0)))
        by_state[state] = by_state.get(state, 0) + 1
    return {
        "state_dir": str(store.root),
        "creates_total": int(counters["creates_total"]),
        "creates_by_display_name": dict(counters["creates_by_display_name"]),
        "upload_starts": int(counters["upload_starts"]),
        "uploads": int(counters["uploads"]),
        "calls": dict(counters["calls"]),
        "faults_fired": dict(counters["faults_fired"]),
        "jobs_total": len(records),
        "jobs_by_state": {k: v for k, v in by_state.items() if v},
        "files_total": len(store.list_files()),
        "generate_content_calls_by_tier": dict(counters["generate_content_calls"]),
        "generate_content_answered_by_tier": dict(counters["generate_content_answered"]),
        "duplicate_requests": int(counters["duplicate_requests"]),
    }
