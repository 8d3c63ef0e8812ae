"""Validate and digest one REST ``GenerateContentRequest`` (camelCase or snake_case).

The real service rejects unknown fields ("Cannot find field"), generation parameters placed
beside ``generationConfig`` (e.g. a top-level ``thinking_config``), missing ``contents``,
invalid roles, malformed schemas and thinking settings the model refuses (see
:mod:`.thinking`); each becomes a per-line ``error`` here (or the 400 of a
``generateContent`` call). What survives is reduced to what the responder needs: the user
text, the prompt token count and a :class:`GenSettings` shared by every line with the same
``generationConfig``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emobatch.tokens import request_prompt_tokens

from .api_errors import ApiError, unknown_field
from .models import ModelInfo
from .schema_fill import CompiledSchema, SchemaError, compile_json_schema, compile_openapi_schema
from .thinking import LEVELS, ThinkingError, check_thinking


def camel(name: str) -> str:
    """``generation_config`` -> ``generationConfig`` (camelCase passes through)."""
    if "_" not in name.strip("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


REQUEST_FIELDS = frozenset({
    "model", "contents", "tools", "toolConfig", "safetySettings", "systemInstruction",
    "generationConfig", "cachedContent", "labels", "serviceTier", "store",
})  # fmt: skip
GENERATION_FIELDS = frozenset({
    "temperature", "topP", "topK", "candidateCount", "maxOutputTokens", "stopSequences",
    "responseMimeType", "responseSchema", "responseJsonSchema", "_responseJsonSchema",
    "responseModalities", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs",
    "logprobs", "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "imageConfig",
    "mediaResolution", "routingConfig", "modelSelectionConfig", "audioTimestamp",
    "enableAffectiveDialog",
})  # fmt: skip
THINKING_FIELDS = frozenset({"thinkingBudget", "includeThoughts", "thinkingLevel"})
JSON_MIME = "application/json"
ENUM_MIME = "text/x.enum"


class RequestError(ApiError):
    """A request line the real service would answer with an error status."""


@dataclass(frozen=True)
class GenSettings:
    """The parts of ``generationConfig`` that shape the answer."""

    mime: str
    schema: CompiledSchema | None
    max_output_tokens: int | None
    thinking_budget: int | None  # None: model default; -1: dynamic; 0: off
    thinking_level: str | None  # upper case (MINIMAL, LOW, ...); None: model default
    include_thoughts: bool
    candidate_count: int
    stop_sequences: tuple[str, ...]

    @property
    def json_mode(self) -> bool:
        return self.mime == JSON_MIME

    @property
    def enum_mode(self) -> bool:
        return self.mime == ENUM_MIME


@dataclass
class Prepared:
    """One request ready to be answered."""

    user_text: str
    prompt_tokens: int
    settings: GenSettings
    #: :func:`.replicas.body_hash` of the request (only computed when label noise is on).
    body_hash: str | None = None


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RequestError(400, f"Invalid value at '{where}' (TYPE_INT32), {json.dumps(value)}")
    try:
        return int(value)
    except ValueError:
        raise RequestError(400, f"Invalid value at '{where}' (TYPE_INT32), \"{value}\"") from None


class SettingsCache:
    """Compiles each distinct ``generationConfig`` once per job (for one model).

    Lines of one file almost always share their config, so a lookup compares the parsed
    config with the few distinct ones seen so far (C-level dict equality, no serialising).
    ``model`` is the parameter contract thinking settings are checked against (``None``:
    no model-specific checks).
    """

    MAX_DISTINCT = 64

    def __init__(self, model: ModelInfo | None = None) -> None:
        self.model = model
        self._seen: list[tuple[Any, GenSettings | RequestError]] = []

    def get(self, config: Any) -> GenSettings:
        for i, (known, _) in enumerate(self._seen):
            if known == config:
                if i:  # keep the most recent config first
                    self._seen.insert(0, self._seen.pop(i))
                built = self._seen[0][1]
                break
        else:
            try:
                built = build_settings(config)
                if self.model is not None:
                    check_thinking(built.thinking_budget, built.thinking_level, self.model)
            except RequestError as exc:
                built = exc
            except ThinkingError as exc:
                built = RequestError(exc.code, exc.message)
            self._seen.insert(0, (config, built))
            del self._seen[self.MAX_DISTINCT :]
        if isinstance(built, RequestError):
            raise built
        return built


def build_settings(config: Any) -> GenSettings:
    """Validate a ``generationConfig`` and compile its schema."""
    where = "request.generation_config"
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise RequestError(400, f"Invalid value at '{where}': expected an object")
    gc: dict[str, Any] = {}
    for key, value in config.items():
        name = camel(key)
        if name not in GENERATION_FIELDS:
            raise unknown_field_error(key, where)
        gc[name] = value
    thinking = gc.get("thinkingConfig") or {}
    if not isinstance(thinking, dict):
        raise RequestError(400, f"Invalid value at '{where}.thinking_config': expected an object")
    tc: dict[str, Any] = {}
    for key, value in thinking.items():
        name = camel(key)
        if name not in THINKING_FIELDS:
            raise unknown_field_error(key, f"{where}.thinking_config")
        tc[name] = value
    mime = str(gc.get("responseMimeType") or "text/plain")
    schema_raw = gc.get("responseSchema")
    json_schema_raw = gc.get("responseJsonSchema", gc.get("_responseJsonSchema"))
    schema: CompiledSchema | None = None
    if schema_raw is not None and json_schema_raw is not None:
        raise RequestError(
            400,
            "* GenerateContentRequest.generation_config: response_schema and "
            "response_json_schema cannot both be set.",
        )
    try:
        if schema_raw is not None:
            if mime not in (JSON_MIME, ENUM_MIME):
                raise RequestError(
                    400,
                    "* GenerateContentRequest.generation_config.response_mime_type: "
                    "response_mime_type must be application/json or text/x.enum when "
                    "response_schema is set.",
                )
            schema = compile_openapi_schema(schema_raw)
        elif json_schema_raw is not None:
            if mime != JSON_MIME:
                raise RequestError(
                    400,
                    "* GenerateContentRequest.generation_config.response_mime_type: "
                    "response_mime_type must be application/json when response_json_schema "
                    "is set.",
                )
            schema = compile_json_schema(json_schema_raw)
    except SchemaError as exc:
        raise RequestError(400, str(exc)) from None
    max_out = gc.get("maxOutputTokens")
    budget = tc.get("thinkingBudget")
    stop = gc.get("stopSequences") or []
    if not isinstance(stop, list):
        stop = [stop]
    return GenSettings(
        mime=mime,
        schema=schema,
        max_output_tokens=_int(max_out, f"{where}.max_output_tokens")
        if max_out is not None
        else None,
        thinking_budget=_int(budget, f"{where}.thinking_config.thinking_budget")
        if budget is not None
        else None,
        thinking_level=_level(tc.get("thinkingLevel"), f"{where}.thinking_config.thinking_level"),
        include_thoughts=bool(tc.get("includeThoughts")),
        candidate_count=max(
            1, min(8, _int(gc.get("candidateCount", 1), f"{where}.candidate_count"))
        ),
        stop_sequences=tuple(str(s) for s in stop if s),
    )


def _level(value: Any, where: str) -> str | None:
    """A ``thinkingLevel`` in upper case; ``None`` when absent or unspecified."""
    if value is None or value == "":
        return None
    level = str(value).upper().removeprefix("THINKING_LEVEL_")
    if level == "UNSPECIFIED":
        return None
    if level not in LEVELS:
        raise RequestError(
            400,
            f"Invalid value at '{where}' (type.googleapis.com/google.ai.generativelanguage."
            f"v1beta.ThinkingConfig.ThinkingLevel), {json.dumps(value)}",
        )
    return level


def unknown_field_error(name: str, where: str) -> RequestError:
    err = unknown_field(name, where)
    return RequestError(err.code, err.message)


def user_text(contents: list[Any]) -> str:
    """Text parts of the last user turn (thought parts skipped), joined by newlines."""
    for content in reversed(contents):
        if not isinstance(content, dict):
            continue
        if content.get("role", "user") not in ("user", None, ""):
            continue
        texts = [
            p["text"]
            for p in content.get("parts") or []
            if isinstance(p, dict) and isinstance(p.get("text"), str) and not p.get("thought")
        ]
        return "\n".join(texts)
    return ""


def prepare(request: Any, settings_cache: SettingsCache) -> Prepared:
    """Validate ``request`` and digest it (raises :class:`RequestError`)."""
    if not isinstance(request, dict):
        raise RequestError(400, "* GenerateContentRequest: request must be a JSON object")
    generation_config = None
    contents = None
    for key, value in request.items():
        name = camel(key)
        if name not in REQUEST_FIELDS:
            raise unknown_field_error(key, "request")
        if name == "generationConfig":
            generation_config = value
        elif name == "contents":
            contents = value
    if isinstance(contents, dict):
        contents = [contents]
    if not contents or not isinstance(contents, list):
        raise RequestError(400, "* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(contents):
        if not isinstance(content, dict):
            raise RequestError(400, f"Invalid value at 'request.contents[{i}]': expected a Content")
        role = content.get("role")
        if role not in (None, "", "user", "model", "function"):
            raise RequestError(400, "Please use a valid role: user, model.")
        parts = content.get("parts")
        if not parts or not isinstance(parts, list):
            raise RequestError(
                400,
                f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty.",
            )
        for j, part in enumerate(parts):
            if not isinstance(part, dict) or not part:
                raise RequestError(
                    400,
                    f"* GenerateContentRequest.contents[{i}].parts[{j}].data: required oneof "
                    "field 'data' must have one initialized field",
                )
    settings = settings_cache.get(generation_config)
    return Prepared(
        user_text=user_text(contents),
        prompt_tokens=request_prompt_tokens(request),
        settings=settings,
    )
