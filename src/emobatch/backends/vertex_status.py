"""Vertex job states and counts, mapped onto the pipeline's :class:`JobStatus`.

=================================================  ============  =============================
Vertex ``JOB_STATE_*``                             JobStatus     what the pipeline does
=================================================  ============  =============================
QUEUED, PENDING                                    PENDING       waits
RUNNING, UPDATING, PAUSED, CANCELLING              RUNNING       waits (bounded by
                                                                 ``batch.max_wait_hours``)
SUCCEEDED                                          SUCCEEDED     downloads, judges every row
PARTIALLY_SUCCEEDED                                SUCCEEDED     the same: failed rows are
                                                   (+ failed)    counted and resubmitted by
                                                                 row-level recovery
FAILED                                             FAILED        resubmits the job
                                                                 (``batch.job_resubmits``)
EXPIRED (queued past 72 h)                         EXPIRED       resubmits the job
CANCELLED                                          CANCELLED     stops the chunk, says so
anything else                                      UNSPECIFIED   waits, with a warning
=================================================  ============  =============================

``completionStats`` gives the counts (``successfulCount``, ``failedCount``,
``incompleteCount``: int64 strings on the wire, ints in the SDK); ``request_count`` is their
sum. ``output_file`` is ``outputInfo.gcsOutputDirectory`` (the real folder,
``<prefix>/prediction-model-<timestamp>``), or the requested prefix once the job ended
without one; ``raw["vertex_state"]`` keeps the provider's own state.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from google.genai import types

from emobatch.backends.base import JobStatus

log = logging.getLogger("emobatch.backend")

STATES = {
    "JOB_STATE_QUEUED": "PENDING",
    "JOB_STATE_PENDING": "PENDING",
    "JOB_STATE_RUNNING": "RUNNING",
    "JOB_STATE_UPDATING": "RUNNING",
    "JOB_STATE_PAUSED": "RUNNING",
    "JOB_STATE_CANCELLING": "RUNNING",
    "JOB_STATE_SUCCEEDED": "SUCCEEDED",
    "JOB_STATE_PARTIALLY_SUCCEEDED": "SUCCEEDED",
    "JOB_STATE_FAILED": "FAILED",
    "JOB_STATE_CANCELLED": "CANCELLED",
    "JOB_STATE_EXPIRED": "EXPIRED",
}


def vertex_state(job: types.BatchJob) -> str:
    state = job.state
    return str(state.value if isinstance(state, enum.Enum) else state or "JOB_STATE_UNSPECIFIED")


def pipeline_state(raw: str) -> str:
    """The :class:`JobStatus` state for a Vertex ``JOB_STATE_*`` (see the table above)."""
    state = STATES.get(raw)
    if state is None:
        log.warning("Vertex reported the unknown job state %s; waiting", raw)
        return "UNSPECIFIED"
    return state


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def job_status(job: types.BatchJob) -> JobStatus:
    raw_state = vertex_state(job)
    state = pipeline_state(raw_state)
    stats = job.completion_stats
    ok = int(stats.successful_count or 0) if stats else 0
    failed = int(stats.failed_count or 0) if stats else 0
    incomplete = int(stats.incomplete_count or 0) if stats else 0
    output = job.output_info.gcs_output_directory if job.output_info else None
    if output is None and job.dest is not None and state in ("SUCCEEDED", "FAILED"):
        output = job.dest.gcs_uri
    raw = job.model_dump(mode="json", exclude_none=True)
    raw["vertex_state"] = raw_state
    return JobStatus(
        name=str(job.name),
        display_name=job.display_name,
        state=state,
        model=job.model,
        request_count=ok + failed + incomplete,
        succeeded=ok,
        failed=failed,
        pending=incomplete,
        output_file=output,
        create_time=_iso(job.create_time),
        update_time=_iso(job.update_time),
        end_time=_iso(job.end_time),
        error=job.error.message if job.error else None,
        raw=raw,
    )
