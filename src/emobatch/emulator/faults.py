"""Deterministic fault injection: the fault plan and the decisions taken from it.

A plan is a list of rules (YAML or JSON; see ``docs/emulator.md`` for every kind)::

    faults:
      - kind: http_error          # answer an operation with an HTTP error
        operation: batches_create
        status: 429
        nth: [1, 2]               # the 1st and 2nd matching call (counted across processes)
      - kind: row_error           # error lines in a job's output
        rate: 0.05                # seeded hash of (job id, key): deterministic

Three families of rules:

- **request rules** (``http_error``, ``drop_connection``, ``delay``,
  ``lost_create_response``, ``flex_shed``, ``reject_mime_type``, ``long_result_file_id``)
  are decided by the process that serves the request; ``service_tier`` restricts a rule to
  ``generateContent`` calls of those tiers, and ``flex_shed`` answers flex calls only.
  "Nth call" counters live in ``counters.json``, so they count calls made through every
  server process on the state directory.
- **job rules** (``job_failed``, ``job_expired``, ``shuffle_output``) are decided when the
  job is created (by creation ordinal, display name or seeded rate) and stored in the job
  record, so whichever process later observes the job applies the same fate.
- **row rules** (``row_error``, ``malformed_output``, ``finish_reason``) are copied into the
  job record at creation and applied per output line, selected by ``keys`` or by a seeded
  hash of (seed, rule, job id, key).

Rate decisions use ``blake2b(seed, rule id, ...)``, never a random generator, so the same
plan, seed and call sequence always fire the same faults.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from typing import Any

from .api_errors import ApiError, rate_limit_details
from .fault_plan import (
    JOB_KINDS,
    KINDS,
    OPERATIONS,
    REQUEST_KINDS,
    ROW_KINDS,
    FaultPlan,
    FaultPlanError,
    FaultRule,
    parse_fault_spec,
)

__all__ = [
    "KINDS",
    "OPERATIONS",
    "FaultPlan",
    "FaultPlanError",
    "FaultRule",
    "RequestPlan",
    "job_fate",
    "long_result_file_ids",
    "mime_rejection",
    "parse_fault_spec",
    "plan_request",
    "row_fault",
    "unit_hash",
]


# -- decisions -------------------------------------------------------------------------
def unit_hash(seed: int, *parts: object) -> float:
    """A deterministic number in [0, 1) from the seed and ``parts``."""
    text = "\x1f".join(str(p) for p in (seed, *parts))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


@dataclass
class RequestPlan:
    """What the HTTP layer must do to one request, decided before handling it."""

    delay_s: float = 0.0
    error: ApiError | None = None
    drop: bool = False  # close the connection without answering (request not handled)
    drop_after: bool = False  # handle the request, then close without answering
    poll: int = 0  # batches.get calls of this job so far, this one included
    fired: list[str] = field(default_factory=list)


#: Request kinds tied to one operation.
_IMPLIED_OPERATION = {
    "lost_create_response": ["batches_create"],
    "flex_shed": ["models_generate_content"],
}
#: How a shed flex request is worded (unverified against the real service).
SHED_MESSAGES = {
    429: "Flex capacity is exhausted for this project. Please retry later or use the "
    "standard tier.",
    500: "An internal error has occurred while serving the flex tier. Please retry.",
    503: "The flex tier is temporarily out of capacity and shed this request. Please try "
    "again later.",
}


def _bump(mapping: dict[str, int], key: str, by: int = 1) -> int:
    mapping[key] = mapping.get(key, 0) + by
    return mapping[key]


def _selected(rule: FaultRule, seed: int, count: int) -> bool:
    nth = rule.get("nth")
    if nth is not None:
        return count in nth
    rate: float | None = rule.get("rate")
    if rate is not None:
        return unit_hash(seed, rule.id, count) < rate
    return True


def plan_request(
    plan: FaultPlan,
    counters: dict[str, Any],
    *,
    operation: str,
    seed: int,
    display_name: str | None = None,
    batch_id: str | None = None,
    service_tier: str | None = None,
) -> RequestPlan:
    """Count one request in ``counters`` (mutated) and decide its request-level faults.

    Runs inside the counters lock, so "Nth call" is exact across threads and processes.
    """
    result = RequestPlan()
    _bump(counters["calls"], operation)
    if operation == "batches_get" and batch_id:
        result.poll = _bump(counters["polls"], batch_id)
    if service_tier is not None:
        _bump(counters["generate_content_calls"], service_tier)
    fires = counters["rule_fires"]
    for rule in plan.of_kind(*REQUEST_KINDS):
        ops = _IMPLIED_OPERATION.get(rule.kind) or rule.get("operation")
        if "*" not in ops and operation not in ops:
            continue
        tiers = ["flex"] if rule.kind == "flex_shed" else rule.get("service_tier")
        if tiers is not None and service_tier not in tiers:
            continue
        pattern = rule.get("display_name")
        if pattern is not None and not fnmatch.fnmatchcase(display_name or "", pattern):
            continue
        count = _bump(counters["rule_matches"], rule.id)
        limit = rule.get("limit")
        if limit is not None and fires.get(rule.id, 0) >= limit:
            continue
        if not _selected(rule, seed, count):
            continue
        if rule.kind == "delay":
            result.delay_s += float(rule.get("seconds"))
        elif result.error or result.drop or result.drop_after:
            continue  # the first error-like rule wins; later ones do not fire
        elif rule.kind in ("http_error", "flex_shed"):
            status = rule.get("status")
            message = rule.get("message")
            if rule.kind == "flex_shed" and message is None:
                message = SHED_MESSAGES.get(status)
            result.error = ApiError(
                status, message, details=rate_limit_details() if status == 429 else None
            )
        elif rule.kind == "drop_connection":
            result.drop = True
        else:  # lost_create_response
            result.drop_after = True
        _bump(fires, rule.id)
        _bump(counters["faults_fired"], rule.kind)
        result.fired.append(rule.kind)
    return result


def job_fate(
    plan: FaultPlan, counters: dict[str, Any], *, seed: int, ordinal: int, display_name: str
) -> dict[str, Any]:
    """Decide a new job's fate at creation (stored in the job record)."""
    fate: dict[str, Any] = {"terminal": "BATCH_STATE_SUCCEEDED", "seed": seed}

    def matches(rule: FaultRule) -> bool:
        pattern = rule.get("display_name")
        if pattern is not None and not fnmatch.fnmatchcase(display_name, pattern):
            return False
        nth_job = rule.get("nth_job")
        if nth_job is not None and ordinal not in nth_job:
            return False
        rate = rule.get("rate")
        return rate is None or rule.kind in ROW_KINDS or unit_hash(seed, rule.id, ordinal) < rate

    for rule in plan.of_kind(*JOB_KINDS):
        if not matches(rule):
            continue
        if rule.kind == "shuffle_output":
            if not fate.get("shuffle"):
                fate["shuffle"] = True
                _bump(counters["faults_fired"], rule.kind)
        elif fate["terminal"] == "BATCH_STATE_SUCCEEDED":
            if rule.kind == "job_failed":
                fate["terminal"] = "BATCH_STATE_FAILED"
                fate["message"] = rule.get("message") or "Batch job failed: internal error."
            else:
                fate["terminal"] = "BATCH_STATE_EXPIRED"
                if rule.get("after_polls") is not None:
                    fate["expireAfterPolls"] = rule.get("after_polls")
            _bump(counters["faults_fired"], rule.kind)
    row_rules = [r.to_dict() for r in plan.of_kind(*ROW_KINDS) if matches(r)]
    if row_rules:
        fate["rowFaults"] = row_rules
    return fate


def row_fault(
    rules: list[dict[str, Any]], seed: int, job_id: str, key: str
) -> dict[str, Any] | None:
    """The first row rule selecting this output line, or ``None``."""
    for rule in rules:
        keys = rule.get("keys")
        if keys is not None:
            if key in keys:
                return rule
            continue
        rate = rule.get("rate")
        if rate is None or unit_hash(seed, rule["id"], job_id, key) < rate:
            return rule
    return None


def mime_rejection(plan: FaultPlan, mime_type: str) -> str | None:
    """``"start"``/``"finalize"`` if an upload of ``mime_type`` must be rejected, else None."""
    for rule in plan.of_kind("reject_mime_type"):
        if mime_type in rule.get("mime_types"):
            return str(rule.get("at"))
    return None


def long_result_file_ids(plan: FaultPlan) -> bool:
    """Whether ``files.get``/``files.delete`` refuse ids longer than 40 characters."""
    return bool(plan.of_kind("long_result_file_id"))
