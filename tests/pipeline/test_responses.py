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


def _variants() -> list[dict]:
    """A clean line and lines one change away from it, each of which the full judge handles."""
    good = json.dumps(GOOD, ensure_ascii=False)
    out = [line(good), line(good, serviceTier="flex"), line(" " + good), line(good, finish="")]
    out += [line(good, finish=f) for f in ("MAX_TOKENS", "SAFETY", "FINISH_REASON_UNSPECIFIED")]
    out += [line("```json\n" + good + "\n```"), line("{bad"), line("[1]"), line("{}")]
    out += [line(json.dumps({**GOOD, "primary_emotion": "happy"}))]
    tiered = line(good)
    tiered["serviceTier"] = "flex"
    thought = line(good)
    thought["response"]["candidates"][0]["content"]["parts"][0]["thought"] = False
    two = line(good)
    two["response"]["candidates"][0]["content"]["parts"].append({"text": ""})
    no_usage = line(good)
    del no_usage["response"]["usageMetadata"]
    odd_usage = line(good)
    odd_usage["response"]["usageMetadata"]["promptTokenCount"] = "12"
    errored = line(good)
    errored["error"] = None
    packed = line(good)
    packed["packFailure"] = {"reason": "missing_from_pack", "detail": "x"}
    not_text = line(good)
    not_text["response"]["candidates"][0]["content"]["parts"][0]["text"] = 5
    return [*out, tiered, thought, two, no_usage, odd_usage, errored, packed, not_text]


def test_the_fast_path_gives_the_full_judges_result_or_steps_aside() -> None:
    """evaluate_line tries the clean-line fast path first; wherever it answers, the full judge
    gives the same RowResult, and the clean lines really take it."""
    from emobatch.responses import _clean_answer, _evaluate

    taken = 0
    for obj in _variants():
        fast = _clean_answer(obj, validate)
        if fast is not None:
            taken += 1
            assert fast == _evaluate(obj, validate)
        assert evaluate_line(obj, validate) == _evaluate(obj, validate)
    assert taken >= 5  # the clean line, with a tier, tokens missing or odd, a no-op error key
    assert _clean_answer(line(json.dumps(GOOD)), validate) is not None
