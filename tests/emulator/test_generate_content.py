"""generateContent (standard and Flex) through the SDK: same answers as batch, tiers, faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from emobatch.emulator import EmulatorServer, ManualClock

from .helpers import (
    EMOTION_SCHEMA,
    TEXTS,
    answer_text,
    make_client,
    output_lines,
    raw,
    request_line,
    submit,
    wait_done,
    write_jsonl,
)

Start = Callable[..., EmulatorServer]
MODEL = "gemini-3.5-flash"
GENERATION = {
    "responseMimeType": "application/json",
    "responseSchema": EMOTION_SCHEMA,
    "thinkingConfig": {"thinkingLevel": "LOW"},
}


def _config(tier: str | None = None, **extra: Any) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(
        system_instruction="Code the emotion of the post.",
        response_mime_type="application/json",
        response_schema=EMOTION_SCHEMA,
        thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW),
        service_tier=tier,
        **extra,
    )


def _ask(client: genai.Client, text: str = TEXTS[0], tier: str | None = None) -> Any:
    return client.models.generate_content(model=MODEL, contents=text, config=_config(tier))


def test_same_answer_as_a_batch_line(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    client = make_client(start_emulator(clock=clock))
    standard, flex = _ask(client), _ask(client, tier="flex")
    path = write_jsonl(tmp_path / "in.jsonl", [request_line("k", TEXTS[0], GENERATION)])
    (line,) = output_lines(client, wait_done(client, submit(client, path, "b", MODEL).name))
    batch = line["response"]
    for answer in (standard, flex):
        # equal as JSON (the SDK adds propertyOrdering to a dict schema, so keys may differ
        # in order from the batch line's alphabetical OpenAPI ordering)
        assert json.loads(answer.text or "") == json.loads(answer_text(line))
        assert answer.model_version == batch["modelVersion"]
        usage = answer.usage_metadata
        assert usage.prompt_token_count == batch["usageMetadata"]["promptTokenCount"]
        assert usage.candidates_token_count == batch["usageMetadata"]["candidatesTokenCount"]
        assert usage.thoughts_token_count == batch["usageMetadata"]["thoughtsTokenCount"]
    assert json.loads(standard.text)["primary_emotion"] == "joy"
    assert standard.response_id and standard.response_id != flex.response_id  # other bodies


def test_tiers_and_duplicates_in_stats(start_emulator: Start, clock: ManualClock) -> None:
    server = start_emulator(clock=clock)
    client = make_client(server)
    for _ in range(3):
        _ask(client)  # one body, answered three times: two duplicates
    _ask(client, TEXTS[1])
    _ask(client, TEXTS[1], tier="flex")  # another body (the tier is part of it)
    _ask(client, TEXTS[1], tier="standard")
    status, _ = raw(
        server, "POST", f"/v1beta/models/{MODEL}:generateContent", {"serviceTier": "gold"}
    )
    assert status == 400
    stats = server.stats()
    assert stats["generate_content_calls_by_tier"] == {"standard": 6, "flex": 1}
    assert stats["generate_content_answered_by_tier"] == {"standard": 5, "flex": 1}
    assert stats["duplicate_requests"] == 2
    assert stats["calls"]["models_generate_content"] == 7


def test_routed_and_unknown_models(start_emulator: Start, clock: ManualClock) -> None:
    client = make_client(start_emulator(clock=clock))
    routed = client.models.generate_content(
        model="gemini-2.5-pro",
        contents=TEXTS[2],
        config={"thinking_config": {"thinking_budget": 256}},  # 2.5-pro's contract
    )
    assert routed.model_version == "gemini-3.8-flash"
    assert 0 < routed.usage_metadata.thoughts_token_count <= 256
    plain = client.models.generate_content(model="gemini-3.1-flash-lite", contents=TEXTS[2])
    assert plain.model_version.startswith("emobatch-lexicon-")
    with pytest.raises(errors.ClientError) as err:
        client.models.generate_content(model="gemini-9-ultra", contents="x")
    assert err.value.code == 404


def test_flex_shedding_is_seeded_and_only_for_flex(start_emulator: Start, tmp_path: Path) -> None:
    plan = {"faults": [{"kind": "flex_shed", "rate": 0.4}]}

    def pattern(state: Path) -> list[int]:
        server = start_emulator(state, faults=plan, seed=3, clock=ManualClock())
        client = make_client(server)
        seen = []
        for i in range(12):
            try:
                _ask(client, TEXTS[i % 5], tier="flex")
                seen.append(200)
            except errors.ServerError as err:
                assert err.status == "UNAVAILABLE" and "shed" in (err.message or "")
                seen.append(err.code)
        for i in range(5):
            _ask(client, TEXTS[i])  # standard calls are never shed
        assert server.stats()["faults_fired"].get("flex_shed", 0) == seen.count(503)
        return seen

    first = pattern(tmp_path / "a")
    assert first == pattern(tmp_path / "b")  # same seed and plan: the same calls shed
    assert 503 in first and 200 in first


def test_tier_filtered_http_errors_and_sdk_retry(start_emulator: Start, clock: ManualClock) -> None:
    plan = {
        "faults": [
            {"kind": "http_error", "operation": "models_generate_content", "status": 429,
             "service_tier": "flex", "nth": [1]},
            {"kind": "flex_shed", "status": 500, "nth": [2]},
        ]
    }  # fmt: skip
    server = start_emulator(faults=plan, clock=clock)
    client = make_client(server)
    _ask(client)  # standard: neither rule matches
    with pytest.raises(errors.ClientError) as err:
        _ask(client, tier="flex")
    assert err.value.code == 429 and err.value.status == "RESOURCE_EXHAUSTED"
    retrying = make_client(
        server, retry=types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.02)
    )
    assert json.loads(_ask(retrying, tier="flex").text)  # a 500, then answered
    assert server.stats()["faults_fired"] == {"http_error": 1, "flex_shed": 1}


def test_latency_is_waited_on_the_clock(start_emulator: Start, clock: ManualClock) -> None:
    plan = {"faults": [{"kind": "delay", "operation": "*", "service_tier": "flex", "seconds": 5}]}
    server = start_emulator(
        clock=clock, faults=plan, flex_latency_seconds=600, interactive_latency_seconds=1.5
    )
    client = make_client(server)
    before = clock.now_ns()
    _ask(client, tier="flex")
    _ask(client)
    assert clock.slept == [605.0, 1.5]  # no real sleep: the manual clock moved instead
    assert clock.now_ns() - before == int(606.5e9)


def test_label_noise_replicates(start_emulator: Start, tmp_path: Path) -> None:
    def labels(state: Path, n: int = 16, **noise: Any) -> list[str]:
        client = make_client(start_emulator(state, clock=ManualClock(), **noise))
        return [json.loads(_ask(client).text)["primary_emotion"] for _ in range(n)]

    clean = labels(tmp_path / "clean")
    assert set(clean) == {"joy"}  # noise_rate 0: the deterministic answer every time
    noisy = labels(tmp_path / "a", noise_rate=0.5, noise_seed=11)
    assert noisy == labels(tmp_path / "b", noise_rate=0.5, noise_seed=11)  # reproducible
    assert 3 <= noisy.count("joy") <= 13 and len(set(noisy)) > 2  # replicates differ
    assert noisy != labels(tmp_path / "c", noise_rate=0.5, noise_seed=12)
    always = labels(tmp_path / "d", n=4, noise_rate=1.0)
    assert "joy" not in always


def test_label_noise_in_batch_follows_line_positions(
    start_emulator: Start, clock: ManualClock, tmp_path: Path
) -> None:
    client = make_client(start_emulator(clock=clock, noise_rate=0.5, noise_seed=5))
    lines = [request_line(f"r{i}", TEXTS[0], GENERATION) for i in range(12)]
    path = write_jsonl(tmp_path / "in.jsonl", lines)

    def answers(name: str) -> dict[str, tuple[str, str]]:
        out = output_lines(client, wait_done(client, submit(client, path, name, MODEL).name))
        parsed = {line["key"]: json.loads(answer_text(line)) for line in out}
        return {k: (a["primary_emotion"], a["sentiment"]) for k, a in parsed.items()}

    first = answers("one")
    assert first == answers("two")  # the same file again: the same answers
    assert len({label for label, _ in first.values()}) > 1  # identical lines may differ
    noisy = [key for key, (label, _) in first.items() if label != "joy"]
    assert noisy and all(first[key][1] != "positive" for key in noisy)
