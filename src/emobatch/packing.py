"""Packed requests: N posts in one request (``batch.posts_per_request``), and their unpacking.

A packed request line (protocol §5.1, as :mod:`emobatch.stages.requests` writes it)::

    {"key": "pack:[\\"p1\\",\\"p2\\",\\"p2#rep2\\"]", "request": <GenerateContentRequest>}

- ``key`` is :data:`PACK_PREFIX` + the compact JSON list of the post keys it carries, in order,
  so the post keys of a chunk are read from the keys alone (:func:`expand_key`);
- the user content is the JSON array ``[{"id": <post key>, "text": <post>}, ...]``;
- ``systemInstruction`` is the codebook's instruction + :data:`PACK_NOTE`;
- ``responseSchema`` is an ``ARRAY`` of exactly N (``minItems``, ``maxItems``) of the
  codebook's answer object with a first field ``id``, a STRING whose ``enum`` is the keys sent;
- ``maxOutputTokens`` is N times ``generation.max_output_tokens`` (a per-post setting).

Unpacking (:func:`unpack_line`) turns one output line of a packed request into one line per
post key, so judging, parse and recovery see the same lines as for single-post requests:

- an error line, an answer that is not a JSON array (or not JSON, truncated, blocked...) gives
  every post of the pack the same failure;
- a post whose ``id`` comes back exactly once gets ``{"key", "response"}``, a copy of the
  response whose only text part is its own answer object (``id`` removed);
- a post missing from the array fails ``missing_from_pack``, one answered more than once
  ``duplicated_in_pack`` (``{"key", "response", "packFailure": {"reason", "detail"}}``); both
  are retried. Items with an id that was not sent are ignored and counted in a warning.

Usage is split evenly across the posts of the pack (the remainder to the first posts), so the
token sums, and the costs, of the rows equal the request's. A failed post's retry is sent as a
single-post request (:func:`single_requests` rebuilds exactly what an unpacked run would send).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from emobatch.identity import canonical_json

__all__ = [
    "PACK_NOTE",
    "PACK_PREFIX",
    "expand_key",
    "is_pack_key",
    "pack_key",
    "pack_request",
    "single_requests",
    "unpack_line",
]

log = logging.getLogger("emobatch.packing")
PACK_PREFIX = "pack:"
PACK_NOTE = (
    "\nPACKED REQUEST: the user message is a JSON array of posts, each an object with an `id` "
    "and the post's `text`. Code every post on its own, exactly as if it were the only post: the "
    "other posts are not its context. Answer with one JSON array holding one answer object per "
    "post, in the order given, each with the post's `id` in the field `id`; every id exactly once."
    "\n"
)
_USAGE_FIELDS = (
    "promptTokenCount",
    "candidatesTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
    "totalTokenCount",
)


def pack_key(keys: Sequence[str]) -> str:
    """The request key of a pack of ``keys`` (a single key stays itself)."""
    return keys[0] if len(keys) == 1 else PACK_PREFIX + canonical_json(list(keys))


def is_pack_key(key: str) -> bool:
    return key.startswith(PACK_PREFIX)


def expand_key(key: str) -> list[str]:
    """The post keys a request key stands for (itself, unless it is a pack key)."""
    if not is_pack_key(key):
        return [key]
    return [str(k) for k in json.loads(key[len(PACK_PREFIX) :])]


def pack_schema(schema: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The ``responseSchema`` of a pack: exactly ``len(keys)`` answers, each with its ``id``."""
    item = dict(schema)
    item["properties"] = {"id": {"type": "STRING", "enum": list(keys)}, **schema["properties"]}
    item["required"] = ["id", *schema.get("required", [])]
    if "propertyOrdering" in schema:
        item["propertyOrdering"] = ["id", *schema["propertyOrdering"]]
    return {"type": "ARRAY", "minItems": len(keys), "maxItems": len(keys), "items": item}


def pack_request(single: dict[str, Any], posts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The packed request of ``posts`` (key, text), from the single-post request's template.

    ``single`` is what :func:`emobatch.stages.requests.build_request` gives for any text.
    """
    keys = [k for k, _ in posts]
    gen = dict(single["generationConfig"])
    gen["responseSchema"] = pack_schema(gen["responseSchema"], keys)
    if isinstance(gen.get("maxOutputTokens"), int):  # the setting is per post
        gen["maxOutputTokens"] *= len(keys)
    instruction = single["systemInstruction"]["parts"][0]["text"]
    text = json.dumps([{"id": k, "text": t} for k, t in posts], ensure_ascii=False)
    return {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "systemInstruction": {"parts": [{"text": instruction + PACK_NOTE}]},
        "generationConfig": gen,
    }


def _single_of(packed: dict[str, Any], text: str, n: int) -> dict[str, Any]:
    gen = dict(packed["generationConfig"])
    if isinstance(gen.get("maxOutputTokens"), int):
        gen["maxOutputTokens"] //= n
    item = dict(gen["responseSchema"]["items"])
    item["properties"] = {k: v for k, v in item["properties"].items() if k != "id"}
    item["required"] = [f for f in item.get("required", []) if f != "id"]
    if "propertyOrdering" in item:
        item["propertyOrdering"] = [f for f in item["propertyOrdering"] if f != "id"]
    gen["responseSchema"] = item
    instruction = packed["systemInstruction"]["parts"][0]["text"].removesuffix(PACK_NOTE)
    return {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "systemInstruction": {"parts": [{"text": instruction}]},
        "generationConfig": gen,
    }


def single_requests(
    lines: Iterable[tuple[str, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """(post key, single-post request) for every post of the request lines, in order.

    A single-post line is passed through; a pack is rebuilt into the requests an unpacked run
    sends for its posts (same instruction, schema and generation settings).
    """
    out: list[tuple[str, dict[str, Any]]] = []
    for key, request in lines:
        if not is_pack_key(key):
            out.append((key, request))
            continue
        posts = json.loads(request["contents"][-1]["parts"][0]["text"])
        out.extend((str(p["id"]), _single_of(request, str(p["text"]), len(posts))) for p in posts)
    return out


def _split_usage(usage: dict[str, Any], n: int) -> list[dict[str, Any]]:
    shares: list[dict[str, Any]] = [{} for _ in range(n)]
    for name in _USAGE_FIELDS:
        value = usage.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        base, rest = divmod(value, n)
        for i, share in enumerate(shares):
            share[name] = base + (1 if i < rest else 0)
    return shares


def _answer_text(response: dict[str, Any]) -> tuple[str | None, Any]:
    """The candidate's text and finish reason when it is a usable STOP answer, else None."""
    from emobatch.responses import unwrap_fence

    candidates = response.get("candidates") or []
    if not candidates:
        return None, None
    cand = candidates[0]
    finish = cand.get("finishReason")
    if finish not in (None, "STOP", "FINISH_REASON_UNSPECIFIED"):
        return None, finish
    parts = ((cand.get("content") or {}).get("parts")) or []
    text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
    return (unwrap_fence(text) if text.strip() else None), finish


def _with(response: dict[str, Any], usage: dict[str, Any], text: str | None) -> dict[str, Any]:
    out = {k: v for k, v in response.items() if k not in ("candidates", "usageMetadata")}
    out["usageMetadata"] = usage
    if text is None:
        out["candidates"] = copy.deepcopy(response.get("candidates") or [])
    else:
        cand = dict((response.get("candidates") or [{}])[0])
        cand["content"] = {"parts": [{"text": text}], "role": "model"}
        out["candidates"] = [cand]
    return out


def unpack_line(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """One output line per post key of a (packed) output line; see the module docstring."""
    key = str(obj.get("key", ""))
    if not is_pack_key(key):
        return [obj]
    keys = expand_key(key)
    if obj.get("error") or not isinstance(obj.get("response"), dict):
        return [{**obj, "key": k} for k in keys]
    response: dict[str, Any] = obj["response"]
    extra = {k: v for k, v in obj.items() if k not in ("key", "response")}
    shares = _split_usage(response.get("usageMetadata") or {}, len(keys))
    text, _ = _answer_text(response)
    try:
        items = json.loads(text) if text is not None else None
    except json.JSONDecodeError:
        text = None
    if text is None:  # no usable answer, or not JSON: every post is judged on the response
        return [
            {**extra, "key": k, "response": _with(response, share, None)}
            for k, share in zip(keys, shares, strict=True)
        ]
    if not isinstance(items, list):
        detail = f"expected a JSON array of {len(keys)} answers, got {text[:80]!r}"
        return [
            {
                **extra,
                "key": k,
                "response": _with(response, share, ""),
                "packFailure": {"reason": "schema_violation", "detail": detail},
            }
            for k, share in zip(keys, shares, strict=True)
        ]
    answers: dict[str, list[Any]] = {k: [] for k in keys}
    unknown = 0
    for item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, str) and item_id in answers:
            answers[item_id].append({f: v for f, v in item.items() if f != "id"})
        else:
            unknown += 1
    if unknown:
        log.warning("%s: %d answer(s) with an id that was not sent were ignored", key, unknown)
    out: list[dict[str, Any]] = []
    for k, share in zip(keys, shares, strict=True):
        found = answers[k]
        line: dict[str, Any] = {**extra, "key": k}
        if len(found) == 1:
            line["response"] = _with(response, share, json.dumps(found[0], ensure_ascii=False))
        else:
            reason = "missing_from_pack" if not found else "duplicated_in_pack"
            line["response"] = _with(response, share, "")
            line["packFailure"] = {
                "reason": reason,
                "detail": f"the answer to the pack of {len(keys)} posts had {len(found)} "
                f"answers with id {k!r}",
            }
        out.append(line)
    return out
