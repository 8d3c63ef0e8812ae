"""Vertex batch prediction job records, their clock-driven states, and the REST resource.

A job record (``jobs/<id>.json``, format 1)::

    {"format": 1, "kind": "vertex_batch", "id": "<19 digits>", "ordinal": n,
     "project": ..., "projectNumber": "<12 digits>", "location": ..., "displayName": ...,
     "model": "publishers/google/models/<m>", "answeredBy": "<m>", "createNs": ...,
     "latencyS": ..., "inputUri": "gs://...", "outputPrefix": "gs://.../",
     "fate": {see ..faults.job_fate}, "noise"?: {...},
     "result": null | {"state": "JOB_STATE_...", "endNs", "successful", "failed",
                       "outputDirectory"?: "gs://...", "error"?: {"code", "message"}}}

States follow the Gemini emulator's latency model on the server's clock: PENDING for the first
third of the latency, then RUNNING, then due; the first request that sees a due job runs it
(:mod:`.runner`) and stores ``result``. Counts are int64 strings, as on the wire; ``error``
carries ``code`` and ``message`` only (google-genai 3.6.1 rejects object ``details``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .. import ids

PENDING = "JOB_STATE_PENDING"
RUNNING = "JOB_STATE_RUNNING"
SUCCEEDED = "JOB_STATE_SUCCEEDED"
PARTIALLY_SUCCEEDED = "JOB_STATE_PARTIALLY_SUCCEEDED"
FAILED = "JOB_STATE_FAILED"
CANCELLED = "JOB_STATE_CANCELLED"
EXPIRED = "JOB_STATE_EXPIRED"
TERMINAL = frozenset({SUCCEEDED, PARTIALLY_SUCCEEDED, FAILED, CANCELLED, EXPIRED})
#: The Gemini emulator's fate terminals, in Vertex words.
FROM_FATE = {
    "BATCH_STATE_SUCCEEDED": SUCCEEDED,
    "BATCH_STATE_FAILED": FAILED,
    "BATCH_STATE_EXPIRED": EXPIRED,
}
DUE = "DUE"  # scheduled as terminal, not yet run


def job_id(seed: int, ordinal: int, display_name: str) -> str:
    """A 19-digit job id (the SDK accepts bare ids only when they are all digits)."""
    digest = hashlib.sha256(f"vertex\x1f{seed}\x1f{ordinal}\x1f{display_name}".encode()).digest()
    return str(10**18 + int.from_bytes(digest[:8], "big") % (9 * 10**18))


def project_number(project: str) -> str:
    """The 12-digit number the real service puts in names instead of the project id."""
    digest = hashlib.sha256(f"project\x1f{project}".encode()).digest()
    return str(10**11 + int.from_bytes(digest[:8], "big") % (9 * 10**11))


def job_name(record: dict[str, Any]) -> str:
    return (
        f"projects/{record['projectNumber']}/locations/{record['location']}"
        f"/batchPredictionJobs/{record['id']}"
    )


def scheduled_state(record: dict[str, Any], now: int) -> tuple[str, int]:
    """``(PENDING | RUNNING | DUE, since_ns)`` from the clock alone."""
    created = int(record["createNs"])
    latency = int(float(record.get("latencyS") or 0) * 1e9)
    age = now - created
    if age < latency // 3:
        return PENDING, created
    if age < latency:
        return RUNNING, created + latency // 3
    return DUE, created + latency


def resource(record: dict[str, Any], now: int, *, created: bool = False) -> dict[str, Any]:
    """The ``BatchPredictionJob`` JSON for a record as it stands ``now`` (``created``: as the
    create call answers it, PENDING)."""
    result = record.get("result") or {}
    if result:
        state, since = str(result["state"]), int(result["endNs"])
    elif created:
        state, since = PENDING, int(record["createNs"])
    else:
        state, since = scheduled_state(record, now)
        state = RUNNING if state == DUE else state
    out: dict[str, Any] = {
        "name": job_name(record),
        "displayName": record.get("displayName") or "",
        "model": record["model"],
        "inputConfig": {
            "instancesFormat": "jsonl",
            "gcsSource": {"uris": [record["inputUri"]]},
        },
        "outputConfig": {
            "predictionsFormat": "jsonl",
            "gcsDestination": {"outputUriPrefix": record["outputPrefix"]},
        },
        "state": state,
        "createTime": ids.rfc3339(int(record["createNs"])),
        "updateTime": ids.rfc3339(max(since, int(record["createNs"]))),
        "modelVersionId": "1",
    }
    if state != PENDING:
        latency = int(float(record.get("latencyS") or 0) * 1e9)
        out["startTime"] = ids.rfc3339(int(record["createNs"]) + latency // 3)
    if state in TERMINAL:
        out["endTime"] = ids.rfc3339(since)
    if "successful" in result:
        out["completionStats"] = {
            "successfulCount": str(result["successful"]),
            "failedCount": str(result["failed"]),
            "incompleteCount": "0",
        }
    if result.get("outputDirectory"):
        out["outputInfo"] = {"gcsOutputDirectory": result["outputDirectory"]}
    if result.get("error"):
        out["error"] = {"code": result["error"]["code"], "message": result["error"]["message"]}
    return out
