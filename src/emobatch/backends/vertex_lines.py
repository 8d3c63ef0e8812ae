"""Vertex AI batch lines <-> emobatch's Developer-API lines, and the post key inside them.

Vertex input lines have no ``key`` field (only ``{"request": GenerateContentRequest}``) and
output lines come back in any order, so the post key travels in the one place Vertex echoes:
the request's ``labels`` (vertex-gcs notes §4; LiteLLM and Bifrost correlate the same way).
Label values are lowercase ``[a-z0-9_-]``, at most 63 characters, so a key is carried as:

- ``{"emobatch_key": "<key>"}`` when the key already is a valid label value (``p00017``);
- otherwise ``{"emobatch_k32_0": ..., "emobatch_k32_1": ...}``: the UTF-8 key in lowercase
  base32 without padding, cut into 63-character labels (keys of up to ~2 KB).

Output lines (``{"status", "processed_time", "request", "response"}``) become the lines the
pipeline already judges (:mod:`emobatch.responses`): ``{"key", "response"}`` or
``{"key", "error": {"code", "message", "status"}}``. A non-empty ``status`` or an empty
``response`` is a failure; the HTTP code in ``status`` (``"Bad Request: {json}"``) is kept,
so permanent errors are not retried.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from emobatch.errors import InputDataError

__all__ = ["decode_key", "encode_key", "from_prediction", "to_vertex_line"]

KEY_LABEL = "emobatch_key"
B32_LABEL = "emobatch_k32_"
LABEL_MAX = 63
MAX_LABELS = 60  # Vertex allows 64 labels per request; leave room for the caller's own
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{1,63}$")
_HTTP_CODES = {
    "bad request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not found": 404,
    "too many requests": 429,
    "internal server error": 500,
    "service unavailable": 503,
}


def encode_key(key: str) -> dict[str, str]:
    """The labels that carry ``key`` (see the module docstring)."""
    if _LABEL_VALUE.match(key):
        return {KEY_LABEL: key}
    text = base64.b32encode(key.encode("utf-8")).decode("ascii").rstrip("=").lower()
    parts = [text[i : i + LABEL_MAX] for i in range(0, len(text), LABEL_MAX)] or [""]
    if len(parts) > MAX_LABELS:
        raise InputDataError(
            f"post id {key[:40]!r}... is {len(key.encode())} bytes: too long to travel in "
            "Vertex request labels",
            hint="shorten the ids of the id column (at most about 2,000 bytes)",
        )
    return {f"{B32_LABEL}{i}": part for i, part in enumerate(parts)}


def decode_key(labels: Any) -> str | None:
    """The key carried by ``labels``, or None when they carry none."""
    if not isinstance(labels, dict):
        return None
    if isinstance(labels.get(KEY_LABEL), str):
        return str(labels[KEY_LABEL])
    parts: list[str] = []
    while isinstance(labels.get(f"{B32_LABEL}{len(parts)}"), str):
        parts.append(labels[f"{B32_LABEL}{len(parts)}"])
    if not parts:
        return None
    text = "".join(parts).upper()
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def to_vertex_line(line: bytes) -> bytes:
    """One chunk line ``{"key", "request"}`` as a Vertex input line (key in the labels)."""
    obj = json.loads(line)
    request = dict(obj["request"])
    request["labels"] = {**(request.get("labels") or {}), **encode_key(str(obj["key"]))}
    text = json.dumps({"request": request}, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _error_of(status: str) -> dict[str, Any]:
    """``{"code", "message", "status"}`` from a Vertex line's ``status`` string."""
    brace = status.find("{")
    if brace >= 0:
        try:
            inner = json.loads(status[brace:])
        except ValueError:
            inner = None
        err = inner.get("error") if isinstance(inner, dict) else None
        if isinstance(err, dict) and "code" in err:
            return {
                "code": err.get("code"),
                "message": str(err.get("message") or status),
                "status": str(err.get("status") or ""),
            }
    head = status[: brace if brace >= 0 else len(status)].strip(" :").lower()
    return {"code": _HTTP_CODES.get(head, 0), "message": status, "status": ""}


def from_prediction(obj: dict[str, Any]) -> dict[str, Any] | None:
    """A Vertex output line as a Developer-API output line; None when no key can be found."""
    request = obj.get("request")
    key = decode_key(request.get("labels") if isinstance(request, dict) else None)
    if key is None and isinstance(obj.get("key"), str):  # should Vertex ever echo a key
        key = obj["key"]
    if key is None:
        return None
    status = obj.get("status")
    response = obj.get("response")
    if isinstance(status, dict) and status:  # a Status object rather than a string
        return {"key": key, "error": {"code": status.get("code", 0), **status}}
    if status:
        return {"key": key, "error": _error_of(str(status))}
    if not isinstance(response, dict) or not response:
        return {"key": key, "error": {"code": 0, "message": "empty response", "status": ""}}
    return {"key": key, "response": response}
