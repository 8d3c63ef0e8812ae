"""Answer digested requests the way Gemini would, using the offline dictionary annotator.

For every request the user text (the last user turn's text parts) is coded by
``emobatch.annotators.annotate_many`` (batched per job, cached across jobs), and the
annotation is shaped into the answer:

- ``responseSchema``/``responseJsonSchema``: the schema is filled from the annotation by
  property name (:mod:`.schema_fill`), so the JSON always validates;
- ``responseMimeType: application/json`` without a schema: the annotation dict as JSON;
- ``text/x.enum``: the chosen enum value, bare;
- otherwise: one plain sentence.

A request with several items in one message (the user text is a JSON array of ``{"id",
"text"}`` objects and the schema an ``ARRAY`` of objects with an ``id`` property) is answered
item by item: each text is coded as if it were a request of its own and the array holds one
filled object per item, carrying its ``id``.

Usage is reported with :func:`emobatch.tokens.count_tokens` (the same function the
pipeline's cost estimate uses); thinking tokens follow :mod:`.thinking` (the request's
budget or level, else the answering model's catalogue default). As in Gemini 2.5, thoughts
count against ``maxOutputTokens``: an answer that does not fit is truncated with
``finishReason: MAX_TOKENS`` (no text at all if thinking used the whole allowance).

``modelVersion`` is the annotator's ``emobatch-lexicon-<version>``, except for a routed
request (a shut-down model answered by its successor, see :mod:`.models`), which reports
the successor's name as the real service would.

Row faults (error lines, malformed JSON, SAFETY/RECITATION/MAX_TOKENS) are applied here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from emobatch.tokens import count_tokens

from . import ids
from .api_errors import DEFAULT_MESSAGES, status_name
from .gen_request import GenSettings, Prepared
from .models import Resolved
from .schema_nodes import ArrayNode, ObjectNode
from .thinking import thoughts_tokens

AnnotateMany = Callable[[list[str]], Sequence[Any]]
_SAFETY_RATINGS = [
    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True},
    {"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "NEGLIGIBLE"},
    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "NEGLIGIBLE"},
]


def load_annotator() -> tuple[AnnotateMany, str]:
    """``(annotate_many, MODEL_VERSION)`` from :mod:`emobatch.annotators` (imported lazily)."""
    from emobatch import annotators  # heavy (lexicons, Korean analyser): import on first job

    return annotators.annotate_many, str(annotators.MODEL_VERSION)


class Responder:
    """Produces GenerateContentResponse dicts; one instance is shared by a server process.

    Thread-safe: it holds no mutable state besides the lazily loaded annotator (the
    annotator caches its own results, so re-coded texts are cheap).
    """

    def __init__(
        self, annotate_many: AnnotateMany | None = None, model_version: str | None = None
    ) -> None:
        self._annotate_many = annotate_many
        self._model_version = model_version

    # -- annotator -----------------------------------------------------------------------
    def _annotator(self) -> tuple[AnnotateMany, str]:
        if self._annotate_many is None:
            annotate_many, version = load_annotator()
            self._annotate_many = annotate_many
            if self._model_version is None:
                self._model_version = version
        return self._annotate_many, self._model_version or "emobatch-lexicon"

    @property
    def model_version(self) -> str:
        return self._annotator()[1]

    def annotations(self, texts: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{text: annotation dict}`` for distinct ``texts``, in one ``annotate_many`` call."""
        if not texts:
            return {}
        annotate_many, _ = self._annotator()
        return {
            text: ann.to_dict() if hasattr(ann, "to_dict") else dict(ann)
            for text, ann in zip(texts, annotate_many(list(texts)), strict=True)
        }

    # -- answers -------------------------------------------------------------------------
    def answer_value(self, settings: GenSettings, ann: dict[str, Any]) -> Any:
        """The structured answer (before serialisation)."""
        if settings.schema is not None:
            return settings.schema.fill(ann)
        return ann

    def items_answer(self, settings: GenSettings, items: list[tuple[str, str]]) -> str:
        """The JSON array answering a several-item request, one object per ``(id, text)``."""
        assert settings.schema is not None
        anns = self.annotations(list(dict.fromkeys(t for _, t in items)))
        hint = [{**anns[text], "id": item_id} for item_id, text in items]
        return json.dumps(settings.schema.fill(hint), ensure_ascii=False)

    def answer_text(self, settings: GenSettings, ann: dict[str, Any]) -> str:
        """The answer as the model's text part."""
        if settings.enum_mode and settings.schema is not None:
            value = settings.schema.fill(ann)
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if settings.json_mode or settings.schema is not None:
            return json.dumps(self.answer_value(settings, ann), ensure_ascii=False)
        return plain_text(ann)

    def respond(
        self,
        prepared: Prepared,
        ann: dict[str, Any],
        *,
        model: Resolved,
        job_id: str,
        key: str,
        fault: dict[str, Any] | None = None,
        answer_cache: dict[tuple[int, str], tuple[str, int]] | None = None,
    ) -> dict[str, Any]:
        """``{"response": GenerateContentResponse}`` or ``{"error": Status}`` for one line."""
        fault = fault or {}
        kind = fault.get("kind")
        if kind == "row_error":
            code = int(fault.get("code", 500))
            return {
                "error": {
                    "code": code,
                    "message": fault.get("message") or DEFAULT_MESSAGES.get(code, "Internal error"),
                    "status": fault.get("status") or status_name(code),
                }
            }
        settings = prepared.settings
        cache_key = (id(settings), prepared.user_text)
        cached = answer_cache.get(cache_key) if answer_cache is not None else None
        if cached is None:
            items = several_items(settings, prepared.user_text)
            if items is not None:
                text = self.items_answer(settings, items)
            else:
                text = self.answer_text(settings, ann)
            cached = (text, count_tokens(text))
            if answer_cache is not None:
                answer_cache[cache_key] = cached
        text, text_tokens = cached
        if kind == "malformed_output":
            text = malformed(text, fault.get("mode", "invalid_json"), settings, ann)
            text_tokens = count_tokens(text)
        for stop in settings.stop_sequences:
            cut = text.find(stop)
            if cut >= 0:
                text = text[:cut]
                text_tokens = count_tokens(text)
        thoughts = thoughts_tokens(
            settings.thinking_budget, settings.thinking_level, model.answering, prepared.user_text
        )
        finish = "STOP"
        if kind == "finish_reason":
            finish = fault["reason"]
            if finish == "MAX_TOKENS":
                text = truncate_to_tokens(text, max(1, text_tokens // 2))
                text_tokens = count_tokens(text)
            else:
                text, text_tokens = "", 0
        limit = settings.max_output_tokens
        if limit is not None and finish == "STOP":
            if thoughts >= limit:
                thoughts, text, text_tokens, finish = limit, "", 0, "MAX_TOKENS"
            elif text_tokens > limit - thoughts:
                text = truncate_to_tokens(text, limit - thoughts)
                text_tokens, finish = count_tokens(text), "MAX_TOKENS"
        thought_part = thought_summary(ann) if settings.include_thoughts and thoughts else None
        candidates = [
            candidate(index, text, finish, thought_part)
            for index in range(settings.candidate_count)
        ]
        return {
            "response": {
                "candidates": candidates,
                "usageMetadata": usage_metadata(
                    prepared.prompt_tokens, text_tokens * settings.candidate_count, thoughts
                ),
                "modelVersion": model.answering.name if model.routed else self.model_version,
                "responseId": ids.response_id(job_id, key),
            }
        }


def several_items(settings: GenSettings, user_text: str) -> list[tuple[str, str]] | None:
    """``[(id, text), ...]`` when the request asks about several items at once, else None."""
    root = settings.schema.root if settings.schema is not None else None
    if not isinstance(root, ArrayNode) or not isinstance(root.items, ObjectNode):
        return None
    if "id" not in (name for name, _ in root.items.properties):
        return None
    try:
        value = json.loads(user_text)
    except ValueError:
        return None
    if not isinstance(value, list) or not value:
        return None
    items = []
    for item in value:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("id"), str)
            and isinstance(item.get("text"), str)
        ):
            return None
        items.append((item["id"], item["text"]))
    return items


def candidate(index: int, text: str, finish: str, thought: str | None) -> dict[str, Any]:
    """One ``Candidate``: SAFETY/RECITATION carry no content, MAX_TOKENS maybe no parts."""
    out: dict[str, Any] = {}
    parts: list[dict[str, Any]] = []
    if finish not in ("SAFETY", "RECITATION"):
        if thought is not None:
            parts.append({"text": thought, "thought": True})
        if text or finish == "STOP":
            parts.append({"text": text})
    if parts:
        out["content"] = {"parts": parts, "role": "model"}
    elif finish == "MAX_TOKENS":
        out["content"] = {"role": "model"}
    out["finishReason"] = finish
    if finish == "SAFETY":
        out["safetyRatings"] = _SAFETY_RATINGS
    out["index"] = index
    return out


def usage_metadata(prompt: int, candidates: int, thoughts: int) -> dict[str, Any]:
    """``usageMetadata`` with zero counts left out, as the real service does."""
    usage: dict[str, Any] = {"promptTokenCount": prompt}
    if candidates:
        usage["candidatesTokenCount"] = candidates
    usage["totalTokenCount"] = prompt + candidates + thoughts
    usage["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": prompt}]
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def plain_text(ann: dict[str, Any]) -> str:
    """A one-sentence answer for requests without JSON output."""
    if "primary_emotion" in ann:
        score = ann.get("sentiment_score", 0.0)
        score_text = f"{score:+.2f}" if isinstance(score, int | float) else str(score)
        return (
            f"Primary emotion: {ann['primary_emotion']}; "
            f"sentiment: {ann.get('sentiment', 'neutral')} ({score_text}). "
            f"{ann.get('rationale', '')}"
        ).strip()
    return json.dumps(ann, ensure_ascii=False)


def thought_summary(ann: dict[str, Any]) -> str:
    """The text of an ``includeThoughts`` summary part."""
    return (
        "**Weighing the emotional cues**\n\nI looked for the strongest emotion words and "
        f"settled on {ann.get('primary_emotion', 'a label')}."
    )


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` with at most ``limit`` tokens (binary search)."""
    if limit <= 0:
        return ""
    if count_tokens(text) <= limit:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def malformed(text: str, mode: str, settings: GenSettings, ann: dict[str, Any]) -> str:
    """Corrupt an answer for the ``malformed_output`` fault."""
    if mode == "fenced":
        return f"```json\n{text}\n```"
    if mode == "schema_violation":
        if settings.schema is not None:
            return json.dumps(settings.schema.violate(ann), ensure_ascii=False)
        broken = dict(ann)
        broken.pop("primary_emotion", None)
        return json.dumps(broken, ensure_ascii=False)
    # invalid_json: cut mid-way, as a response that stopped early would look
    cut = max(1, (len(text) * 2) // 3)
    out = text[:cut]
    try:
        json.loads(out)
    except ValueError:
        return out
    return out + '{"'
