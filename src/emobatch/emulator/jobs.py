"""Batch job records, the latency model, and the Operation JSON the API returns.

A job record (``batches/<id>.json``, format 1)::

    {"format": 1, "kind": "batch", "id": ..., "ordinal": n, "displayName": ...,
     "model": "models/gemini-2.5-flash", "createNs": ..., "latencyS": 0.0,
     "source": {"fileName": "files/..."} | {"inline": true}, "requestCount": n,
     "fate": {"terminal": "BATCH_STATE_SUCCEEDED"|..._FAILED|..._EXPIRED, "seed": s,
              "expireAfterPolls"?: n, "shuffle"?: true, "rowFaults"?: [...], "message"?: ...},
     "result": null | {"state": ..., "endNs": ..., "successful": n, "failed": n,
                       "responsesFile"?: "files/batch-...", "inline"?: true, "error"?: {...}}}

**Latency model.** A job's state is a pure function of the clock: with latency *L* it is
PENDING for ``age < L/3``, RUNNING for ``age < L`` and then terminal (its ``fate``). Nothing
runs in the background, so jobs progress while no server is running. ``result`` is written
once, under the job lock, by the first request that observes the job as due (and by
``cancel``); from then on the stored result is authoritative.
"""

from __future__ import annotations

from typing import Any

from . import ids

BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"

PENDING = "BATCH_STATE_PENDING"
RUNNING = "BATCH_STATE_RUNNING"
SUCCEEDED = "BATCH_STATE_SUCCEEDED"
FAILED = "BATCH_STATE_FAILED"
CANCELLED = "BATCH_STATE_CANCELLED"
EXPIRED = "BATCH_STATE_EXPIRED"
TERMINAL = frozenset({SUCCEEDED, FAILED, CANCELLED, EXPIRED})
STATES = (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED)


def new_record(
    *,
    batch_id: str,
    ordinal: int,
    display_name: str | None,
    model: str,
    created_ns: int,
    latency_s: float,
    source: dict[str, Any],
    request_count: int,
    fate: dict[str, Any],
) -> dict[str, Any]:
    """A fresh job record (see module docstring)."""
    return {
        "format": 1,
        "kind": "batch",
        "id": batch_id,
        "ordinal": ordinal,
        "displayName": display_name,
        "model": model,
        "createNs": created_ns,
        "latencyS": latency_s,
        "source": source,
        "requestCount": request_count,
        "fate": fate,
        "result": None,
    }


def scheduled_state(record: dict[str, Any], now: int, polls: int) -> tuple[str, int]:
    """``(state, since_ns)`` from the clock and poll count, ignoring any stored result.

    ``since_ns`` is when the job entered that state.
    """
    created = record["createNs"]
    latency_ns = int(float(record.get("latencyS") or 0) * 1e9)
    fate = record.get("fate") or {}
    terminal = fate.get("terminal", SUCCEEDED)
    after_polls = fate.get("expireAfterPolls")
    age = now - created
    if after_polls is not None:
        if polls > after_polls:
            return EXPIRED, now
        if age < latency_ns // 3:
            return PENDING, created
        return RUNNING, created + latency_ns // 3
    if age < latency_ns // 3:
        return PENDING, created
    if age < latency_ns:
        return RUNNING, created + latency_ns // 3
    return terminal, created + latency_ns


def current_state(record: dict[str, Any], now: int, polls: int) -> str:
    """The state to report: the stored result if any, else the scheduled state."""
    result = record.get("result")
    if result:
        return str(result["state"])
    return scheduled_state(record, now, polls)[0]


def batch_stats(record: dict[str, Any], state: str) -> dict[str, str]:
    """``batchStats`` with int64 counts as strings and zeros left out (proto3 JSON)."""
    total = int(record.get("requestCount") or 0)
    result = record.get("result") or {}
    if state == SUCCEEDED:
        counts = {
            "requestCount": total,
            "successfulRequestCount": int(result.get("successful", 0)),
            "failedRequestCount": int(result.get("failed", 0)),
        }
    elif state == FAILED:
        counts = {"requestCount": total, "failedRequestCount": total}
    else:  # pending/running/cancelled/expired: nothing was answered
        counts = {"requestCount": total, "pendingRequestCount": total}
    return {k: str(v) for k, v in counts.items() if v}


def operation(
    record: dict[str, Any],
    *,
    state: str,
    since_ns: int,
    inline_responses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``Operation`` JSON for a job in ``state`` (camelCase, like the real service)."""
    name = f"batches/{record['id']}"
    meta: dict[str, Any] = {"@type": BATCH_TYPE, "model": record["model"]}
    if record.get("displayName"):
        meta["displayName"] = record["displayName"]
    source = record.get("source") or {}
    if source.get("fileName"):
        meta["inputConfig"] = {"fileName": source["fileName"]}
    output: dict[str, Any] | None = None
    result = record.get("result") or {}
    if state == SUCCEEDED:
        if result.get("responsesFile"):
            output = {"responsesFile": result["responsesFile"]}
        else:
            output = {"inlinedResponses": {"inlinedResponses": inline_responses or []}}
        meta["output"] = output
    meta["createTime"] = ids.rfc3339(record["createNs"])
    if state in TERMINAL:
        meta["endTime"] = ids.rfc3339(since_ns)
    meta["updateTime"] = ids.rfc3339(max(since_ns, record["createNs"]))
    stats = batch_stats(record, state)
    meta["batchStats"] = stats
    meta["state"] = state
    meta["name"] = name
    op: dict[str, Any] = {"name": name, "metadata": meta}
    if state in TERMINAL:
        op["done"] = True
        if output is not None:
            op["response"] = {"@type": OUTPUT_TYPE, **output}
        elif result.get("error"):
            op["error"] = result["error"]
    return op
