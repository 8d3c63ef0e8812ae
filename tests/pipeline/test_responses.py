"""Judging output lines: good answers pass, the rest fail with a reason, never repaired."""

from __future__ import annotations

import json

import pytest

from emobatch.responses import evaluate_line, unwrap_fence

GOOD = {
    "primary_emotion": "joy",
    "intensities": {"joy": 0.8},
    "sentiment": "positive",
    "sentiment_score": 0.7,
    "rationale": "ㅋㅋ",
}


def validate(answer: dict) -> tuple[dict, list[str]]:
    problems = []
    if answer.get("primary_emotion") not in {"joy", "sadness", "neutral"}:
        problems.append(f"primary_emotion {answer.get('primary_emotion')!r} not in the label set")
    return answer, problems


def line(text: str | None = None, finish: str = "STOP", **response) -> dict:
    parts = [] if text is None else [{"text": text}]
    cand = {"content": {"parts": parts, "role": "model"}, "finishReason": finish, "index": 0}
    body = {
        "candidates": [cand],
        "usageMetadata": {
            "promptTokenCount": 120,
            "candidatesTokenCount": 30,
            "totalTokenCount": 150,
        },
        "modelVersion": "gemini-2.5-flash",
        **response,
    }
    return {"key": "p1", "response": body}


def test_good_answer_is_ok_with_tokens():
    r = evaluate_line(line(json.dumps(GOOD, ensure_ascii=False)), validate)
    assert r.ok and r.answer == GOOD
    assert (r.prompt_tokens, r.output_tokens, r.thoughts_tokens) == (120, 30, 0)
    assert r.model_version == "gemini-2.5-flash"


def test_markdown_fence_is_unwrapped():
    fenced = "```json\n" + json.dumps(GOOD) + "\n```"
    assert unwrap_fence(fenced) == json.dumps(GOOD)
    assert evaluate_line(line(fenced), validate).ok


@pytest.mark.parametrize(
    ("obj", "reason", "retryable"),
    [
        (
            {"key": "p1", "error": {"code": 500, "message": "internal", "status": "INTERNAL"}},
            "api_error",
            True,
        ),
        (
            {"key": "p1", "error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}},
            "api_error",
            False,
        ),
        (line('{"primary_emotion": "joy", '), "invalid_json", True),
        (line("joy"), "invalid_json", True),
        (line(json.dumps({**GOOD, "primary_emotion": "happy"})), "schema_violation", True),
        (line("[1, 2]"), "schema_violation", True),
        (line(None, finish="SAFETY"), "finish_safety", True),
        (line(json.dumps(GOOD)[:20], finish="MAX_TOKENS"), "max_tokens", True),
        (line("", finish="STOP"), "no_text", True),
        (
            {"key": "p1", "response": {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}},
            "blocked",
            True,
        ),
    ],
)
def test_failures_have_reasons_and_are_never_repaired(obj, reason, retryable):
    r = evaluate_line(obj, validate)
    assert r.status == "failed"
    assert r.reason == reason
    assert r.retryable is retryable
    assert r.answer is None


def test_thought_parts_are_skipped():
    obj = line(json.dumps(GOOD))
    obj["response"]["candidates"][0]["content"]["parts"].insert(
        0, {"text": "let me think", "thought": True}
    )
    assert evaluate_line(obj, validate).ok
