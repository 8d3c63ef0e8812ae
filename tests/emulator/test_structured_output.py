"""Structured output: schemas are always filled validly; usage, thinking and token limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from google import genai
from google.genai import types

from emobatch.emulator.schema_fill import (
    SchemaError,
    compile_json_schema,
    compile_openapi_schema,
    openapi_to_json_schema,
)
from emobatch.tokens import count_tokens, request_prompt_tokens

from .helpers import (
    EMOTION_JSON_SCHEMA,
    EMOTION_SCHEMA,
    EMOTIONS,
    TEXTS,
    answer_text,
    output_lines,
    request_line,
    submit,
    wait_done,
    write_jsonl,
)

ANNOTATION = {
    "primary_emotion": "anger",
    "intensities": {e: (0.9 if e == "anger" else 0.1 if e == "disgust" else 0.0) for e in EMOTIONS},
    "sentiment": "negative",
    "sentiment_score": -0.7,
    "rationale": "cues: furious",
}
ODD_OPENAPI = {
    "type": "OBJECT",
    "properties": {
        "label": {"type": "STRING", "enum": ["POS", "NEG", "NEU"]},
        "stars": {"type": "INTEGER", "minimum": 1, "maximum": 5},
        "emotions": {"type": "ARRAY", "items": {"type": "STRING", "enum": EMOTIONS}, "minItems": 1},
        "scores": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "emotion": {"type": "STRING"},
                    "score": {"type": "NUMBER", "maximum": 0.5},
                },
                "required": ["emotion", "score"],
            },
            "maxItems": 1,
        },
        "flags": {"type": "ARRAY", "items": {"type": "BOOLEAN"}, "minItems": 2, "maxItems": 3},
        "mystery_field": {"type": "STRING", "minLength": 3},
        "maybe": {"type": "NUMBER", "nullable": True},
        "nested": {
            "type": "OBJECT",
            "properties": {
                "joy": {"type": "INTEGER", "minimum": 10},
                "unknown": {"type": "BOOLEAN"},
            },
            "required": ["joy", "unknown"],
        },
    },
    "required": [
        "label",
        "stars",
        "emotions",
        "scores",
        "flags",
        "mystery_field",
        "maybe",
        "nested",
    ],
}
JSON_SCHEMA = {
    "$defs": {"level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}},
    "type": "object",
    "properties": {
        "emotion": {"type": "string", "enum": [*EMOTIONS, "neutral"]},
        "joy": {"$ref": "#/$defs/level"},
        "anger": {"$ref": "#/$defs/level"},
        "why": {"type": ["string", "null"], "maxLength": 5},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        "choice": {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "null"}]},
        "fixed": {"const": "v1"},
        "count": {"type": "integer", "maximum": -2},
    },
    "required": ["emotion", "joy", "anger", "why", "tags", "choice", "fixed", "count"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    "hint", [ANNOTATION, {}, None, {"primary_emotion": "rage", "sentiment_score": 9}]
)
def test_openapi_schemas_always_validate(hint: Any) -> None:
    for schema in (EMOTION_SCHEMA, ODD_OPENAPI):
        value = compile_openapi_schema(schema).fill(hint)
        jsonschema.validate(value, openapi_to_json_schema(schema))
    emotion = compile_openapi_schema(EMOTION_SCHEMA).fill(hint)
    jsonschema.validate(emotion, EMOTION_JSON_SCHEMA)


@pytest.mark.parametrize("hint", [ANNOTATION, {}, None])
def test_json_schemas_always_validate(hint: Any) -> None:
    jsonschema.validate(compile_json_schema(JSON_SCHEMA).fill(hint), JSON_SCHEMA)


def test_fill_uses_annotation_by_property_name() -> None:
    odd = compile_openapi_schema(ODD_OPENAPI).fill(ANNOTATION)
    assert odd["emotions"] == ["anger", "disgust"]  # from intensities, strongest first
    assert odd["scores"] == [{"emotion": "anger", "score": 0.5}]  # clamped to the maximum
    assert odd["nested"]["joy"] == 10 and odd["mystery_field"] == "xxx"
    assert odd["label"] == "NEG" or odd["label"] in ("POS", "NEU")
    value = compile_json_schema(JSON_SCHEMA).fill(ANNOTATION)
    assert value["emotion"] == "anger" and value["anger"] == 0.9 and 0 < value["joy"] < 1
    assert value["count"] == -2 and value["fixed"] == "v1" and len(value["tags"]) == 2


def test_property_order() -> None:
    # responseSchema: alphabetical unless propertyOrdering says otherwise (like Gemini)
    assert list(compile_openapi_schema(EMOTION_SCHEMA).fill(ANNOTATION)) == sorted(
        EMOTION_SCHEMA["properties"]
    )
    ordered = {**EMOTION_SCHEMA, "propertyOrdering": ["rationale", "sentiment"]}
    assert list(compile_openapi_schema(ordered).fill(ANNOTATION))[:2] == ["rationale", "sentiment"]
    # responseJsonSchema: the schema's own order
    assert list(compile_json_schema(JSON_SCHEMA).fill(ANNOTATION)) == list(
        JSON_SCHEMA["properties"]
    )


def test_unknown_openapi_keyword_is_rejected() -> None:
    with pytest.raises(SchemaError, match='Unknown name "additionalProperties"'):
        compile_openapi_schema({"type": "OBJECT", "additionalProperties": False})
    with pytest.raises(SchemaError, match="FOO"):
        compile_openapi_schema({"type": "FOO"})


def test_violations_really_violate() -> None:
    for schema, json_schema in ((EMOTION_SCHEMA, EMOTION_JSON_SCHEMA), (JSON_SCHEMA, JSON_SCHEMA)):
        compiled = (
            compile_json_schema(schema) if schema is JSON_SCHEMA else compile_openapi_schema(schema)
        )
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(compiled.violate(ANNOTATION), json_schema)


def _lines(
    client: genai.Client,
    tmp_path: Path,
    specs: dict[str, dict[str, Any]],
    model: str = "gemini-2.5-flash",
) -> dict[str, dict[str, Any]]:
    lines = [request_line(key, spec.pop("_text", TEXTS[1]), spec) for key, spec in specs.items()]
    job = wait_done(
        client, submit(client, write_jsonl(tmp_path / "in.jsonl", lines), model=model).name
    )
    return {line["key"]: line for line in output_lines(client, job)}


def test_modes_over_the_wire(client: genai.Client, tmp_path: Path) -> None:
    lines = _lines(
        client,
        tmp_path,
        {
            "openapi": {"responseMimeType": "application/json", "responseSchema": ODD_OPENAPI},
            "jsonschema": {
                "responseMimeType": "application/json",
                "responseJsonSchema": JSON_SCHEMA,
            },
            "plain_json": {"responseMimeType": "application/json"},
            "enum": {
                "responseMimeType": "text/x.enum",
                "responseSchema": {"type": "STRING", "enum": ["joy", "anger", "neutral"]},
            },
            "text": {},
            "bad_schema": {
                "responseMimeType": "application/json",
                "responseSchema": {"type": "OBJECT", "additionalProperties": False},
            },
            "no_mime": {"responseSchema": EMOTION_SCHEMA},
        },
    )
    jsonschema.validate(
        json.loads(answer_text(lines["openapi"])), openapi_to_json_schema(ODD_OPENAPI)
    )
    jsonschema.validate(json.loads(answer_text(lines["jsonschema"])), JSON_SCHEMA)
    plain = json.loads(answer_text(lines["plain_json"]))
    assert set(plain) == {
        "primary_emotion",
        "intensities",
        "sentiment",
        "sentiment_score",
        "rationale",
    }
    assert answer_text(lines["enum"]) == "anger"
    assert answer_text(lines["text"]).startswith("Primary emotion: anger")
    assert lines["bad_schema"]["error"]["code"] == 400
    assert "additionalProperties" in lines["bad_schema"]["error"]["message"]
    assert lines["no_mime"]["error"]["status"] == "INVALID_ARGUMENT"


def test_korean_post(client: genai.Client, tmp_path: Path) -> None:
    gen = {"responseMimeType": "application/json", "responseSchema": EMOTION_SCHEMA}
    lines = _lines(client, tmp_path, {"ko": {**gen, "_text": "오늘 정말 행복한 하루였어요 ㅎㅎ"}})
    answer = json.loads(answer_text(lines["ko"]))
    jsonschema.validate(answer, EMOTION_JSON_SCHEMA)
    assert answer["primary_emotion"] == "joy" and answer["sentiment"] == "positive"


def test_usage_matches_shared_token_counter(client: genai.Client, tmp_path: Path) -> None:
    line = request_line(
        "u",
        TEXTS[0],
        {"responseMimeType": "application/json", "thinkingConfig": {"thinkingBudget": 0}},
    )
    job = wait_done(client, submit(client, write_jsonl(tmp_path / "in.jsonl", [line])).name)
    (out,) = output_lines(client, job)
    usage = out["response"]["usageMetadata"]
    assert usage["promptTokenCount"] == request_prompt_tokens(line["request"])
    assert usage["candidatesTokenCount"] == count_tokens(answer_text(out))
    assert usage["promptTokensDetails"] == [
        {"modality": "TEXT", "tokenCount": usage["promptTokenCount"]}
    ]


def test_thinking_and_output_limits(client: genai.Client, tmp_path: Path) -> None:
    json_mode = {"responseMimeType": "application/json", "responseSchema": EMOTION_SCHEMA}
    lines = _lines(
        client,
        tmp_path,
        {
            "budget": {**json_mode, "thinkingConfig": {"thinkingBudget": 20}},
            "off": {**json_mode, "thinkingConfig": {"thinkingBudget": 0}},
            "default": dict(json_mode),
            "thoughts": {
                **json_mode,
                "thinkingConfig": {"thinkingBudget": 500, "includeThoughts": True},
            },
            "tiny": {**json_mode, "maxOutputTokens": 10, "thinkingConfig": {"thinkingBudget": 0}},
            "starved": {
                **json_mode,
                "maxOutputTokens": 10,
                "thinkingConfig": {"thinkingBudget": 500},
            },
        },
    )
    usage = {k: v["response"]["usageMetadata"] for k, v in lines.items()}
    assert 0 < usage["budget"]["thoughtsTokenCount"] <= 20
    assert "thoughtsTokenCount" not in usage["off"]
    assert usage["default"]["thoughtsTokenCount"] > 0  # gemini-2.5-flash thinks by default
    for key, u in usage.items():
        assert u["totalTokenCount"] == u["promptTokenCount"] + u.get(
            "candidatesTokenCount", 0
        ) + u.get("thoughtsTokenCount", 0), key
    parts = lines["thoughts"]["response"]["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True and json.loads(parts[1]["text"])
    tiny = lines["tiny"]["response"]
    assert tiny["candidates"][0]["finishReason"] == "MAX_TOKENS"
    assert tiny["usageMetadata"]["candidatesTokenCount"] <= 10
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer_text(lines["tiny"]))
    starved = types.GenerateContentResponse.model_validate(lines["starved"]["response"])
    assert starved.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert starved.text is None and starved.usage_metadata.thoughts_token_count == 10


def test_lite_model_does_not_think_by_default(client: genai.Client, tmp_path: Path) -> None:
    lines = _lines(
        client,
        tmp_path,
        {"d": {"responseMimeType": "application/json"}},
        model="gemini-2.5-flash-lite",
    )
    assert "thoughtsTokenCount" not in lines["d"]["response"]["usageMetadata"]
