"""The shared token heuristic (emobatch.tokens)."""

from __future__ import annotations

import pytest

from emobatch.tokens import MEDIA_PART_TOKENS, PART_OVERHEAD, count_tokens, request_prompt_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("Hello", 1),
        ("Hello, world!", 4),  # 2 words + 2 punctuation marks
        ("internationalization", 4),  # 20 letters: 1 + 19 // 6
        ("12345", 5),  # digits one by one
        ("오늘 정말 행복한 하루였어요", 11),  # Hangul runs: 2, 2, 3, 4 (5 syllables -> 4)
        ("日本語", 3),
        ("😀👍🏽", 2),  # the skin-tone modifier is free
        ("a\n\nb", 3),  # a run of line breaks is one token
        ("   ", 0),
    ],
)
def test_count_tokens(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens


def test_english_prose_is_about_four_and_a_half_chars_per_token() -> None:
    prose = (
        "The emulator answers every request with a deterministic estimate of the number of "
        "tokens, so that the cost estimate made before submitting matches what it reports."
    )
    assert 3.5 < len(prose) / count_tokens(prose) < 6


def test_request_prompt_tokens_counts_system_and_contents_in_either_case() -> None:
    camel = {
        "systemInstruction": {"parts": [{"text": "Be terse."}]},
        "contents": [{"role": "user", "parts": [{"text": "Hello"}, {"inlineData": {"data": "x"}}]}],
    }
    snake = {
        "system_instruction": {"parts": [{"text": "Be terse."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hello"}, {"inline_data": {"data": "x"}}]}
        ],
    }
    expected = (3 + PART_OVERHEAD) + (1 + PART_OVERHEAD) + (MEDIA_PART_TOKENS + PART_OVERHEAD)
    assert request_prompt_tokens(camel) == request_prompt_tokens(snake) == expected
    assert request_prompt_tokens({"contents": []}) == 0
