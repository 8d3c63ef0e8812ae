"""Judge one line of a batch output file: a usable answer, or a failure with its reason.

Failures (reason codes, all recorded in the dataset's ``error_reason``):
``api_error`` (the line is an error object), ``blocked`` (promptFeedback block), ``no_candidates``,
``finish_<REASON>`` (SAFETY, RECITATION, PROHIBITED_CONTENT, BLOCKLIST, SPII, OTHER...),
``max_tokens`` (truncated), ``no_text``, ``invalid_json``, ``schema_violation``,
``missing_from_output`` (the key never came back), ``missing_from_pack`` and
``duplicated_in_pack`` (a packed answer had no or several answers for the post, see
:mod:`emobatch.packing`; output lines of packed requests are unpacked into one line per post
before they are judged). Model output wrapped in a markdown fence is
unwrapped; anything else invalid is never "repaired" into a label.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import orjson

from emobatch.errors import CoverageError
from emobatch.packing import expand_key, unpack_line

log = logging.getLogger("emobatch.responses")
#: a model's answer -> (the answer in the documented field names, its schema problems);
#: :meth:`emobatch.codebook.Codebook.read_answer`
ReadAnswer = Callable[[dict[str, Any]], tuple[dict[str, Any], list[str]]]

PERMANENT_ERROR_CODES = frozenset({3, 5, 7, 400, 401, 403, 404})  # gRPC or HTTP codes
_FENCE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(slots=True)
class RowResult:
    key: str
    status: str  # "ok" | "failed"
    reason: str | None = None
    detail: str | None = None
    answer: dict[str, Any] | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    output_tokens: int = 0
    thoughts_tokens: int = 0
    cached_tokens: int = 0
    model_version: str | None = None
    response_id: str | None = None
    retryable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class _Usage(TypedDict):
    """The token counts and model identity every judged line carries, ok or failed."""

    prompt_tokens: int
    output_tokens: int
    thoughts_tokens: int
    cached_tokens: int
    model_version: str | None
    response_id: str | None


def _int(value: Any) -> int:
    if type(value) is int:  # what usageMetadata holds (the fast path of a million lines)
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _text(value: Any) -> str:
    """A part's text (a part whose ``text`` is not a string, which no API sends, is judged
    by its JSON: ``5`` is an answer that is not an object)."""
    return value if type(value) is str else json.dumps(value)


def unwrap_fence(text: str) -> str:
    """Strip one markdown code fence around the whole answer (```json ... ```)."""
    m = _FENCE.match(text)
    return m.group(1) if m else text


def _failed(key: str, reason: str, detail: str, *, retryable: bool = True, **kw: Any) -> RowResult:
    return RowResult(
        key=key, status="failed", reason=reason, detail=detail[:500], retryable=retryable, **kw
    )


def _usage(response: dict[str, Any]) -> _Usage:
    usage = response.get("usageMetadata") or {}
    return {
        "prompt_tokens": _int(usage.get("promptTokenCount", 0)),
        "output_tokens": _int(usage.get("candidatesTokenCount", 0)),
        "thoughts_tokens": _int(usage.get("thoughtsTokenCount", 0)),
        "cached_tokens": _int(usage.get("cachedContentTokenCount", 0)),
        "model_version": response.get("modelVersion"),
        "response_id": response.get("responseId"),
    }


def _extra(obj: dict[str, Any]) -> dict[str, Any]:
    """What a row carries beyond its answer and usage: the service tier that answered."""
    return {"service_tier": obj["serviceTier"]} if obj.get("serviceTier") else {}


def evaluate_line(obj: dict[str, Any], read_answer: ReadAnswer) -> RowResult:
    """Evaluate one parsed output line; ``read_answer`` (:data:`ReadAnswer`) reads its answer."""
    return _clean_answer(obj, read_answer) or _evaluate(obj, read_answer)


def _clean_answer(obj: dict[str, Any], read_answer: ReadAnswer) -> RowResult | None:
    """The result of the line nearly every line is (one candidate that stopped, one text part
    holding a JSON object the schema accepts), or None for any other line, which
    :func:`_evaluate` judges in full. For the lines it accepts, both give the same result."""
    try:
        if "error" in obj or "packFailure" in obj:
            return None
        response = obj["response"]
        candidate = response["candidates"][0]
        (part,) = candidate["content"]["parts"]
        text = part["text"]
        if (
            type(response) is not dict
            or candidate.get("finishReason") != "STOP"
            or "thought" in part
            or type(text) is not str
            or text[:1] != "{"  # no fence, not blank
        ):
            return None
        answer = orjson.loads(text)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return None
    if type(answer) is not dict:
        return None
    answer, problems = read_answer(answer)
    if problems:
        return None
    return RowResult(
        key=str(obj.get("key", "")),
        status="ok",
        answer=answer,
        finish_reason="STOP",
        extra=_extra(obj),
        **_usage(response),
    )


def _evaluate(obj: dict[str, Any], read_answer: ReadAnswer) -> RowResult:
    key = str(obj.get("key", ""))
    if obj.get("error"):
        err = obj["error"] if isinstance(obj["error"], dict) else {"message": str(obj["error"])}
        code = _int(err.get("code"))
        return _failed(
            key,
            "api_error",
            f"{code} {err.get('status', '')}: {err.get('message', '')}".strip(),
            retryable=code not in PERMANENT_ERROR_CODES,
        )
    response = obj.get("response") or {}
    common = _usage(response)
    pack_failure = obj.get("packFailure")
    if isinstance(pack_failure, dict):
        return _failed(
            key, str(pack_failure.get("reason")), str(pack_failure.get("detail", "")), **common
        )
    feedback = response.get("promptFeedback") or {}
    candidates = response.get("candidates") or []
    if not candidates:
        if feedback.get("blockReason"):
            return _failed(key, "blocked", f"prompt blocked: {feedback['blockReason']}", **common)
        return _failed(key, "no_candidates", "the response has no candidates", **common)
    cand = candidates[0]
    finish = cand.get("finishReason")
    parts = ((cand.get("content") or {}).get("parts")) or []
    text = "".join(_text(p.get("text", "")) for p in parts if not p.get("thought"))
    if finish == "MAX_TOKENS":
        return _failed(
            key,
            "max_tokens",
            "the answer was cut at maxOutputTokens",
            finish_reason=finish,
            **common,
        )
    if finish not in (None, "STOP", "FINISH_REASON_UNSPECIFIED"):
        return _failed(
            key,
            f"finish_{str(finish).lower()}",
            f"finishReason {finish}",
            finish_reason=finish,
            **common,
        )
    if not text.strip():
        return _failed(key, "no_text", "the answer has no text", finish_reason=finish, **common)
    try:
        answer = orjson.loads(unwrap_fence(text))
    except orjson.JSONDecodeError as exc:
        return _failed(
            key,
            "invalid_json",
            f"{exc.msg} at char {exc.pos}: {text[:120]!r}",
            finish_reason=finish,
            **common,
        )
    if not isinstance(answer, dict):
        return _failed(
            key,
            "schema_violation",
            f"expected a JSON object, got {text[:80]!r}",
            finish_reason=finish,
            **common,
        )
    answer, problems = read_answer(answer)
    if problems:
        return _failed(key, "schema_violation", "; ".join(problems), finish_reason=finish, **common)
    return RowResult(
        key=key, status="ok", answer=answer, finish_reason=finish, extra=_extra(obj), **common
    )


# Request lines are written with sorted keys, so "key" comes first: read it without parsing
# the ~5 KB request (a 1M-post run has 5 GB of request lines).
_KEY_PREFIX = re.compile(rb'^\{"key":\s*("(?:[^"\\]|\\.)*")')


def keys_index_path(chunk: Path) -> Path:
    """``chunk-0000.keys.json`` beside ``chunk-0000.jsonl``: its line keys, written with it."""
    return chunk.with_name(f"{chunk.stem}.keys.json")


def write_keys_index(chunk: Path, keys: list[str], size: int) -> None:
    """Record a chunk's line keys and byte size, so reading its keys does not read its lines
    (a 1M-post run has 5 GB of them). Written by the requests stage in the chunk's directory,
    which appears whole or not at all."""
    keys_index_path(chunk).write_bytes(orjson.dumps({"bytes": size, "keys": keys}))


def chunk_keys(chunk: Path) -> list[str]:
    """Post keys of a chunk, in file order (a packed request stands for its posts' keys).

    From the chunk's keys index when it is there and was written for a file of this size;
    otherwise (chunks written before the index, or a file changed since) from the lines.
    """
    index = keys_index_path(chunk)
    try:
        recorded = orjson.loads(index.read_bytes())
        if recorded.get("bytes") == chunk.stat().st_size:
            return [k for key in recorded["keys"] for k in expand_key(str(key))]
    except (OSError, orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        pass
    keys: list[str] = []
    with open(chunk, "rb") as fh:
        for line in fh:
            if line.isspace():  # a blank line (no copy of a 5 KB line, as strip makes)
                continue
            m = _KEY_PREFIX.match(line)
            keys.extend(expand_key(str(json.loads(m.group(1)) if m else json.loads(line)["key"])))
    return keys


def judge_rounds(
    keys: Iterable[str], rounds: list[dict[str, Any]], read_answer: ReadAnswer
) -> dict[str, tuple[RowResult, int, str | None]]:
    """Best result of every key across rounds: (result, round, job name).

    A key that never came back is ``missing_from_output``. A key in an output that was never
    submitted is a CoverageError (the output belongs to other work).
    """
    wanted = list(keys)
    wanted_set = set(wanted)
    best: dict[str, tuple[RowResult, int, str | None]] = {}
    for rnd in rounds:
        path, number, job = Path(rnd["raw"]), int(rnd["round"]), rnd.get("job_name")
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.isspace():  # a blank line (no copy of a 5 KB line, as strip makes)
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    log.error("%s line %d is not JSON; its key is treated as missing", path, lineno)
                    continue
                key = str(obj.get("key", "")) if isinstance(obj, dict) else ""
                try:
                    posts = unpack_line(obj) if isinstance(obj, dict) else [{}]
                except (ValueError, TypeError, AttributeError):  # a pack key that is not JSON
                    posts = [{"key": key}]
                for post in posts:
                    post_key = str(post.get("key", ""))
                    if post_key not in wanted_set:
                        raise CoverageError(
                            f"{path} line {lineno}: key {post_key!r} was never submitted in this "
                            "chunk",
                            hint="the output belongs to other work; delete this raw file and its "
                            "completion marker, then re-run",
                        )
                    result = evaluate_line(post, read_answer)
                    previous = best.get(post_key)
                    if previous is None or not previous[0].ok:
                        best[post_key] = (result, number, job)
    for key in wanted:
        if key not in best:
            best[key] = (
                RowResult(
                    key=key,
                    status="failed",
                    reason="missing_from_output",
                    detail="the key did not come back in any output",
                    retryable=True,
                ),
                -1,
                None,
            )
    return best
