"""The fault plan: rules read from YAML/JSON or CLI specs, validated up front.

A plan is ``{"faults": [rule, ...]}`` (or a bare list). Every rule has a ``kind`` and that
kind's fields; unknown kinds or fields are errors that name the rule. A rule's ``id``
(default: a hash of its content) keys its persisted "Nth call" counter, so the same plan
file used by several server processes shares counters. See ``docs/emulator.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from emobatch.errors import ConfigError

OPERATIONS = (
    "upload_start",
    "upload_chunk",
    "files_get",
    "files_list",
    "files_delete",
    "files_download",
    "batches_create",
    "batches_get",
    "batches_list",
    "batches_cancel",
    "batches_delete",
    "models_get",
    "models_list",
    "models_count_tokens",
    "models_generate_content",
)

REQUEST_KINDS = ("http_error", "drop_connection", "delay", "lost_create_response", "flex_shed")
JOB_KINDS = ("job_failed", "job_expired", "shuffle_output")
ROW_KINDS = ("row_error", "malformed_output", "finish_reason")
SWITCH_KINDS = ("long_result_file_id", "reject_mime_type")
KINDS = REQUEST_KINDS + JOB_KINDS + ROW_KINDS + SWITCH_KINDS

_SELECT = {"rate", "nth", "limit"}
_JOB_SELECT = {"rate", "nth_job", "display_name"}
_ALLOWED: dict[str, set[str]] = {
    "http_error": {"operation", "status", "message", "display_name", "service_tier"} | _SELECT,
    "drop_connection": {"operation", "display_name", "service_tier"} | _SELECT,
    "delay": {"operation", "seconds", "display_name", "service_tier"} | _SELECT,
    "lost_create_response": {"display_name"} | _SELECT,
    "flex_shed": {"status", "message"} | _SELECT,
    "job_failed": {"message"} | _JOB_SELECT,
    "job_expired": {"after_polls"} | _JOB_SELECT,
    "shuffle_output": set(_JOB_SELECT),
    "row_error": {"keys", "code", "status", "message", "display_name", "nth_job", "rate"},
    "malformed_output": {"keys", "mode", "display_name", "nth_job", "rate"},
    "finish_reason": {"keys", "reason", "display_name", "nth_job", "rate"},
    "long_result_file_id": set(),
    "reject_mime_type": {"mime_types", "at"},
}
MALFORMED_MODES = ("invalid_json", "schema_violation", "fenced")
FINISH_REASONS = ("SAFETY", "MAX_TOKENS", "RECITATION")
#: Operations whose requests carry a display name a rule can match.
_NAMED_OPERATIONS = ("batches_create", "upload_start")
#: ``serviceTier`` values a rule can select (an absent or ``unspecified`` tier is standard).
SERVICE_TIERS = ("standard", "flex", "priority")
#: Statuses a ``flex_shed`` rule may answer with.
SHED_STATUSES = (429, 500, 503)


class FaultPlanError(ConfigError):
    """The fault plan is invalid (names the rule and field)."""


@dataclass(frozen=True)
class FaultRule:
    """One validated rule: its ``kind``, a stable ``id`` and its parameters."""

    kind: str
    id: str
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, **self.params}


@dataclass(frozen=True)
class FaultPlan:
    """An ordered list of :class:`FaultRule` (empty = no faults)."""

    rules: tuple[FaultRule, ...] = ()

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, *, source: str = "fault plan") -> FaultPlan:
        """Build from ``{"faults": [...]}`` or a bare list of rule mappings."""
        if data is None:
            return cls()
        if isinstance(data, dict):
            unknown = set(data) - {"faults"}
            if unknown:
                raise FaultPlanError(
                    f"{source}: unknown top-level key(s) {sorted(unknown)}",
                    hint="a plan is {faults: [ {kind: ..., ...}, ... ]}",
                )
            data = data.get("faults") or []
        if not isinstance(data, list):
            raise FaultPlanError(
                f"{source}: expected a list of fault rules, got {type(data).__name__}"
            )
        return cls(tuple(_validate_rule(raw, i, source) for i, raw in enumerate(data)))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FaultPlan:
        """Read a YAML or JSON plan file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise FaultPlanError(f"cannot read fault plan {p}: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise FaultPlanError(f"fault plan {p} is not valid YAML/JSON: {exc}") from None
        return cls.from_dict(data, source=str(p))

    @classmethod
    def coerce(
        cls, value: FaultPlan | dict[str, Any] | list[Any] | str | os.PathLike[str] | None
    ) -> FaultPlan:
        """Accept ``None``, a plan, a mapping/list, or a path to a plan file."""
        if value is None:
            return cls()
        if isinstance(value, FaultPlan):
            return value
        if isinstance(value, dict | list):
            return cls.from_dict(value)
        return cls.load(value)

    def to_dict(self) -> dict[str, Any]:
        return {"faults": [r.to_dict() for r in self.rules]}

    def __add__(self, other: FaultPlan) -> FaultPlan:
        return FaultPlan(self.rules + other.rules)

    def of_kind(self, *kinds: str) -> list[FaultRule]:
        return [r for r in self.rules if r.kind in kinds]


def parse_fault_spec(spec: str) -> dict[str, Any]:
    """Parse a CLI ``--fault`` value into a rule mapping.

    Either a YAML/JSON flow mapping (``{kind: http_error, operation: batches_get, status:
    503, nth: [1]}``) or the shorthand ``kind:key=value,key=value`` where values are YAML
    scalars and ``|`` separates list items (``http_error:operation=batches_get,nth=1|2``).
    """
    spec = spec.strip()
    if spec.startswith("{"):
        try:
            data = yaml.safe_load(spec)
        except yaml.YAMLError as exc:
            raise FaultPlanError(f"--fault {spec!r}: not a YAML mapping ({exc})") from None
        if not isinstance(data, dict):
            raise FaultPlanError(f"--fault {spec!r}: not a mapping")
        return data
    kind, _, rest = spec.partition(":")
    rule: dict[str, Any] = {"kind": kind.strip()}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        name, eq, value = item.partition("=")
        if not eq:
            raise FaultPlanError(f"--fault {spec!r}: expected key=value, got {item!r}")
        values = [yaml.safe_load(v) for v in value.split("|")]
        rule[name.strip()] = values if "|" in value else values[0]
    return rule


# -- validation ------------------------------------------------------------------------
def _validate_rule(raw: Any, index: int, source: str) -> FaultRule:
    where = f"{source}: rule {index + 1}"
    if not isinstance(raw, dict):
        raise FaultPlanError(f"{where}: expected a mapping, got {type(raw).__name__}")
    params = dict(raw)
    kind = params.pop("kind", None)
    if kind not in KINDS:
        raise FaultPlanError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    rule_id = params.pop("id", None)
    unknown = set(params) - _ALLOWED[kind]
    if unknown:
        raise FaultPlanError(
            f"{where} ({kind}): unknown field(s) {sorted(unknown)}",
            hint=f"allowed: {', '.join(sorted(_ALLOWED[kind])) or '(none)'}",
        )
    _check_params(kind, params, where)
    if rule_id is None:
        canonical = json.dumps({"kind": kind, **params}, sort_keys=True, default=str)
        rule_id = f"{kind}-{hashlib.sha1(canonical.encode()).hexdigest()[:10]}"
    return FaultRule(kind=kind, id=str(rule_id), params=params)


def _int_list(value: Any, name: str, where: str) -> list[int]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in items
    ):
        raise FaultPlanError(f"{where}: {name} must be a positive integer or a list of them")
    return items


def _check_params(kind: str, p: dict[str, Any], where: str) -> None:
    if "rate" in p:
        rate = p["rate"]
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise FaultPlanError(f"{where}: rate must be a number between 0 and 1")
    for name in ("nth", "nth_job"):
        if name in p:
            p[name] = _int_list(p[name], name, where)
    if "limit" in p:
        limit = p["limit"]
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise FaultPlanError(f"{where}: limit must be a positive integer")
    if "display_name" in p and not isinstance(p["display_name"], str):
        raise FaultPlanError(f"{where}: display_name must be a string (glob patterns allowed)")
    if kind in ("http_error", "drop_connection", "delay"):
        op = p.get("operation")
        ops = op if isinstance(op, list) else [op]
        for o in ops:
            if o != "*" and o not in OPERATIONS:
                raise FaultPlanError(
                    f"{where} ({kind}): operation {o!r} is not one of "
                    f"{', '.join(OPERATIONS)} or '*'"
                )
        p["operation"] = ops
        if "display_name" in p and not set(ops) <= set(_NAMED_OPERATIONS):
            raise FaultPlanError(
                f"{where}: display_name only applies to operations {', '.join(_NAMED_OPERATIONS)}"
            )
    if "service_tier" in p:
        tiers = p["service_tier"] if isinstance(p["service_tier"], list) else [p["service_tier"]]
        tiers = [str(t).lower() for t in tiers]
        if not tiers or not set(tiers) <= set(SERVICE_TIERS):
            raise FaultPlanError(f"{where}: service_tier must be one of {', '.join(SERVICE_TIERS)}")
        p["service_tier"] = tiers
    if kind == "flex_shed":
        status = p.setdefault("status", 503)
        if status not in SHED_STATUSES:
            raise FaultPlanError(f"{where}: flex_shed status must be 429, 500 or 503")
    if kind == "http_error":
        status = p.get("status", 429)
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultPlanError(f"{where}: status must be an HTTP error status (400-599)")
        p["status"] = status
    if kind == "delay":
        seconds = p.get("seconds")
        if not isinstance(seconds, int | float) or seconds < 0:
            raise FaultPlanError(f"{where}: delay needs seconds >= 0")
    if kind == "job_expired" and "after_polls" in p:
        ap = p["after_polls"]
        if not isinstance(ap, int) or isinstance(ap, bool) or ap < 0:
            raise FaultPlanError(f"{where}: after_polls must be an integer >= 0")
    if "keys" in p:
        keys = p["keys"] if isinstance(p["keys"], list) else [p["keys"]]
        p["keys"] = [str(k) for k in keys]
    if kind == "row_error":
        code = p.get("code", 500)
        if not isinstance(code, int) or not 400 <= code <= 599:
            raise FaultPlanError(f"{where}: code must be an HTTP error status (400-599)")
    if kind == "malformed_output":
        mode = p.setdefault("mode", "invalid_json")
        if mode not in MALFORMED_MODES:
            raise FaultPlanError(f"{where}: mode must be one of {', '.join(MALFORMED_MODES)}")
    if kind == "finish_reason":
        reason = str(p.get("reason", "SAFETY")).upper()
        if reason not in FINISH_REASONS:
            raise FaultPlanError(f"{where}: reason must be one of {', '.join(FINISH_REASONS)}")
        p["reason"] = reason
    if kind == "reject_mime_type":
        mimes = p.get("mime_types", ["jsonl"])
        p["mime_types"] = [str(m) for m in (mimes if isinstance(mimes, list) else [mimes])]
        at = p.setdefault("at", "start")
        if at not in ("start", "finalize"):
            raise FaultPlanError(f"{where}: at must be 'start' or 'finalize'")
