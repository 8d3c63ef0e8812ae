"""Shared helpers for the emulator tests: SDK clients, request files, raw HTTP, schemas."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from google import genai
from google.genai import types

from emobatch.emulator import EmulatorServer

API_KEY = "test-key"
EMOTIONS = ["joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"]
#: The shape the pipeline's codebook sends (OpenAPI subset).
EMOTION_SCHEMA: dict[str, Any] = {
    "type": "OBJECT",
    "properties": {
        "primary_emotion": {"type": "STRING", "enum": [*EMOTIONS, "neutral"]},
        "intensities": {
            "type": "OBJECT",
            "properties": {e: {"type": "NUMBER", "minimum": 0, "maximum": 1} for e in EMOTIONS},
            "required": EMOTIONS,
        },
        "sentiment": {"type": "STRING", "enum": ["positive", "negative", "neutral"]},
        "sentiment_score": {"type": "NUMBER", "minimum": -1, "maximum": 1},
        "rationale": {"type": "STRING"},
    },
    "required": ["primary_emotion", "intensities", "sentiment", "sentiment_score", "rationale"],
}
#: The same schema as JSON Schema, for validating answers.
EMOTION_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "primary_emotion": {"enum": [*EMOTIONS, "neutral"]},
        "intensities": {
            "type": "object",
            "additionalProperties": False,
            "properties": {e: {"type": "number", "minimum": 0, "maximum": 1} for e in EMOTIONS},
            "required": EMOTIONS,
        },
        "sentiment": {"enum": ["positive", "negative", "neutral"]},
        "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
        "rationale": {"type": "string"},
    },
    "required": ["primary_emotion", "intensities", "sentiment", "sentiment_score", "rationale"],
}
JSON_GENERATION: dict[str, Any] = {
    "responseMimeType": "application/json",
    "responseSchema": EMOTION_SCHEMA,
    "thinkingConfig": {"thinkingBudget": 0},
}
TEXTS = [
    "I am so happy today, best day ever!",
    "This is disgusting and I am furious.",
    "I'm scared of what comes next...",
    "Can't wait for the concert tomorrow",
    "The weather is grey.",
]
BATCH_STATES = [
    "BATCH_STATE_PENDING",
    "BATCH_STATE_RUNNING",
    "BATCH_STATE_SUCCEEDED",
    "BATCH_STATE_FAILED",
    "BATCH_STATE_CANCELLED",
    "BATCH_STATE_EXPIRED",
]
_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"
_API = "type.googleapis.com/google.ai.generativelanguage.v1main"
_STATUS = {
    "type": "object",
    "required": ["code", "message"],
    "additionalProperties": False,
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}
_OUTPUT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "@type": {"const": f"{_API}.GenerateContentBatchOutput"},
        "responsesFile": {"type": "string", "pattern": "^files/batch-[a-z0-9]{36}$"},
        "inlinedResponses": {
            "type": "object",
            "required": ["inlinedResponses"],
            "additionalProperties": False,
            "properties": {"inlinedResponses": {"type": "array", "items": {"type": "object"}}},
        },
    },
    "oneOf": [{"required": ["responsesFile"]}, {"required": ["inlinedResponses"]}],
}
#: Hand-written JSON Schema of the Operation envelope the batches API answers with.
OPERATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "metadata"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^batches/[a-z0-9]{36}$"},
        "done": {"const": True},
        "error": _STATUS,
        "response": {**_OUTPUT, "required": ["@type"]},
        "metadata": {
            "type": "object",
            "required": [
                "@type",
                "model",
                "createTime",
                "updateTime",
                "batchStats",
                "state",
                "name",
            ],
            "additionalProperties": False,
            "properties": {
                "@type": {"const": f"{_API}.GenerateContentBatch"},
                "model": {"type": "string", "pattern": "^models/[a-z0-9.-]+$"},
                "displayName": {"type": "string"},
                "inputConfig": {
                    "type": "object",
                    "required": ["fileName"],
                    "additionalProperties": False,
                    "properties": {"fileName": {"type": "string", "pattern": "^files/[a-z0-9-]+$"}},
                },
                "output": {k: v for k, v in _OUTPUT.items() if k != "properties"}
                | {"properties": {k: v for k, v in _OUTPUT["properties"].items() if k != "@type"}},
                "createTime": {"type": "string", "pattern": _TIME},
                "updateTime": {"type": "string", "pattern": _TIME},
                "endTime": {"type": "string", "pattern": _TIME},
                "batchStats": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        k: {"type": "string", "pattern": "^[1-9][0-9]*$"}
                        for k in (
                            "requestCount",
                            "successfulRequestCount",
                            "failedRequestCount",
                            "pendingRequestCount",
                        )
                    },
                },
                "state": {"enum": BATCH_STATES},
                "name": {"type": "string", "pattern": "^batches/[a-z0-9]{36}$"},
            },
        },
    },
}


def make_client(
    server: EmulatorServer | str,
    *,
    retry: types.HttpRetryOptions | None = None,
    timeout_ms: int | None = 30_000,
) -> genai.Client:
    """A real SDK client pointed at ``server`` (a running server or its base URL)."""
    base_url = server if isinstance(server, str) else server.base_url
    return genai.Client(
        api_key=API_KEY,
        http_options=types.HttpOptions(
            base_url=base_url, api_version="v1beta", retry_options=retry, timeout=timeout_ms
        ),
    )


def request_line(key: str, text: str, generation: dict[str, Any] | None = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "systemInstruction": {"parts": [{"text": "Code the emotion of the post."}]},
        "contents": [{"role": "user", "parts": [{"text": text}]}],
    }
    if generation is not None:
        request["generationConfig"] = generation
    return {"key": key, "request": request}


def write_jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    return path


def write_requests(
    path: Path, texts: list[str] = TEXTS, generation: dict[str, Any] | None = JSON_GENERATION
) -> Path:
    return write_jsonl(path, [request_line(f"k{i}", t, generation) for i, t in enumerate(texts)])


def upload(client: genai.Client, path: Path, display_name: str = "input") -> types.File:
    return client.files.upload(
        file=str(path), config={"mime_type": "application/jsonl", "display_name": display_name}
    )


def submit(
    client: genai.Client,
    path: Path,
    display_name: str = "job",
    model: str = "gemini-2.5-flash",
) -> types.BatchJob:
    uploaded = upload(client, path, display_name)
    assert uploaded.name
    return client.batches.create(
        model=model, src=uploaded.name, config={"display_name": display_name}
    )


def wait_done(client: genai.Client, name: str, timeout: float = 20.0) -> types.BatchJob:
    deadline = time.monotonic() + timeout
    while True:
        job = client.batches.get(name=name)
        if job.done:
            return job
        assert time.monotonic() < deadline, f"{name} not done after {timeout}s: {job.state}"
        time.sleep(0.02)


def output_lines(client: genai.Client, job: types.BatchJob) -> list[dict[str, Any]]:
    assert job.dest is not None and job.dest.file_name
    data = client.files.download(file=job.dest.file_name)
    return [json.loads(line) for line in data.decode().splitlines()]


def answer_text(line: dict[str, Any]) -> str:
    parts = line["response"]["candidates"][0]["content"]["parts"]
    return "".join(p["text"] for p in parts if not p.get("thought"))


def raw(
    server: EmulatorServer, method: str, path: str, body: Any = None, key: str | None = API_KEY
) -> tuple[int, Any]:
    """A raw HTTP call (status, parsed JSON body) without the SDK."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{server.base_url}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if key is not None:
        req.add_header("x-goog-api-key", key)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload = resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        payload = err.read()
        status = err.code
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, payload
