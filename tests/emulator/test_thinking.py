"""Thinking settings validated against the catalogue (batch lines and generateContent)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors

from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import TEXTS, make_client, output_lines, request_line, submit, wait_done, write_jsonl

Start = Callable[..., EmulatorServer]
JSON = {"responseMimeType": "application/json"}
BOTH = "You can only set only one of thinking budget and thinking level."


def _job(client: genai.Client, tmp_path: Path, model: str, specs: dict[str, Any]) -> dict[str, Any]:
    lines = [
        request_line(key, TEXTS[0], {**JSON, "thinkingConfig": tc} if tc is not None else JSON)
        for key, tc in specs.items()
    ]
    path = write_jsonl(tmp_path / f"{model}.jsonl", lines)
    job = wait_done(client, submit(client, path, model, model).name)
    return {line["key"]: line for line in output_lines(client, job)}


def _message(line: dict[str, Any]) -> str:
    assert line["error"]["code"] == 400 and line["error"]["status"] == "INVALID_ARGUMENT"
    return str(line["error"]["message"])


def _thoughts(line: dict[str, Any]) -> int:
    return int(line["response"]["usageMetadata"].get("thoughtsTokenCount", 0))


@pytest.fixture
def client(start_emulator: Start, clock: ManualClock) -> genai.Client:
    return make_client(start_emulator(clock=clock))


def test_budget_model_lines(client: genai.Client, tmp_path: Path) -> None:
    lines = _job(
        client,
        tmp_path,
        "gemini-2.5-flash-lite",  # budget 512..24576, can be disabled, default off
        {
            "both": {"thinkingBudget": 1024, "thinkingLevel": "LOW"},
            "level": {"thinkingLevel": "LOW"},
            "too_small": {"thinkingBudget": 100},
            "too_big": {"thinkingBudget": 30000},
            "off": {"thinkingBudget": 0},
            "dynamic": {"thinkingBudget": -1},
            "in_range": {"thinkingBudget": 600},
            "default": None,
        },
    )
    assert _message(lines["both"]) == BOTH
    assert _message(lines["level"]) == "Thinking level is not supported for this model."
    assert _message(lines["too_small"]) == "The thinking budget (100) is invalid."
    assert _message(lines["too_big"]) == "The thinking budget (30000) is invalid."
    assert _thoughts(lines["off"]) == 0 and _thoughts(lines["default"]) == 0  # default: off
    assert _thoughts(lines["dynamic"]) > 0 and 0 < _thoughts(lines["in_range"]) <= 600


def test_thinking_that_cannot_be_disabled(client: genai.Client, tmp_path: Path) -> None:
    # gemini-2.5-pro (routed to gemini-3.8-flash, but validated as itself): min 128, no 0
    lines = _job(client, tmp_path, "gemini-2.5-pro", {"off": {"thinkingBudget": 0}, "ok": None})
    assert _message(lines["off"]) == "Budget 0 is invalid. This model only works in thinking mode."
    assert _thoughts(lines["ok"]) > 0


def test_level_model_lines(client: genai.Client, tmp_path: Path) -> None:
    lines = _job(
        client,
        tmp_path,
        "gemini-3.8-flash",  # levels LOW, MEDIUM, HIGH; default MEDIUM
        {
            "budget": {"thinkingBudget": 0},
            "both": {"thinkingBudget": 0, "thinkingLevel": "HIGH"},
            "minimal": {"thinkingLevel": "MINIMAL"},
            "xhigh": {"thinkingLevel": "XHIGH"},
            "bogus": {"thinkingLevel": "EXTREME"},
            "low": {"thinkingLevel": "low"},  # case-insensitive, like the SDK's enum
            "medium": {"thinkingLevel": "MEDIUM"},
            "high": {"thinkingLevel": "HIGH"},
            "default": None,
            "unspecified": {"thinkingLevel": "THINKING_LEVEL_UNSPECIFIED"},
        },
    )
    assert _message(lines["budget"]).startswith("Thinking budget is not supported")
    assert _message(lines["both"]) == BOTH
    assert _message(lines["minimal"]) == (
        "Thinking level MINIMAL is not supported for this model. "
        "Please retry with other thinking level."
    )
    assert _message(lines["xhigh"]).startswith("Thinking level XHIGH is not supported")
    assert "ThinkingLevel" in _message(lines["bogus"])
    low, medium, high = (_thoughts(lines[k]) for k in ("low", "medium", "high"))
    assert 0 < low < medium < high
    assert _thoughts(lines["default"]) == medium == _thoughts(lines["unspecified"])


def test_minimal_thinks_little_and_is_the_lite_default(
    client: genai.Client, tmp_path: Path
) -> None:
    lines = _job(
        client,
        tmp_path,
        "gemini-3.1-flash-lite",  # MINIMAL accepted, and the default
        {"minimal": {"thinkingLevel": "MINIMAL"}, "low": {"thinkingLevel": "LOW"}, "d": None},
    )
    assert 0 <= _thoughts(lines["minimal"]) < _thoughts(lines["low"])
    assert _thoughts(lines["d"]) == _thoughts(lines["minimal"])
    again = _job(
        client, tmp_path, "gemini-3.1-flash-lite", {"minimal": {"thinkingLevel": "MINIMAL"}}
    )
    assert _thoughts(again["minimal"]) == _thoughts(lines["minimal"])  # deterministic


def test_generate_content_answers_400(client: genai.Client) -> None:
    cases = [
        ("gemini-3.8-flash", {"thinking_level": "MINIMAL"}, "Thinking level MINIMAL"),
        ("gemini-3.5-flash", {"thinking_budget": 1024}, "Thinking budget is not supported"),
        ("gemini-2.5-flash-lite", {"thinking_level": "HIGH"}, "Thinking level is not supported"),
        ("gemini-3.5-flash", {"thinking_budget": 0, "thinking_level": "LOW"}, BOTH),
    ]
    for model, thinking, message in cases:
        with pytest.raises(errors.ClientError) as err:
            client.models.generate_content(
                model=model, contents=TEXTS[0], config={"thinking_config": thinking}
            )
        assert err.value.code == 400 and err.value.status == "INVALID_ARGUMENT", model
        assert (err.value.message or "").startswith(message), model


def test_plain_models_are_not_validated(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    client = make_client(start_emulator(clock=clock, extra_models=["my-tuned-model"]))
    lines = _job(
        client,
        tmp_path,
        "my-tuned-model",
        {"budget": {"thinkingBudget": 7}, "level": {"thinkingLevel": "HIGH"}, "d": None},
    )
    assert 0 < _thoughts(lines["budget"]) <= 7 and _thoughts(lines["level"]) > 0
    assert _thoughts(lines["d"]) == 0  # a plain model does not think by default
    assert lines["d"]["response"]["modelVersion"].startswith("emobatch-lexicon-")
