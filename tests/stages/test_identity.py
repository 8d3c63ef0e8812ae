"""The analysis key is a persisted format (the history skips posts by it): pinned values."""

from __future__ import annotations

import hashlib

from emobatch.identity import analysis_key, analysis_keys

ANALYSIS = "abc123def456"


def test_the_analysis_key_is_the_pinned_hash_of_analysis_id_and_text() -> None:
    text = "오늘 너무 행복해 ㅎㅎ"
    key = analysis_key("p1", text, ANALYSIS)
    assert key == "f52ca8f0e84e6d3d6edd7139530c4e99"  # computed once, 2026-12-03; never changes
    payload = f"{ANALYSIS}\x1fp1\x1f{text}".encode()
    assert key == hashlib.sha256(payload).hexdigest()[:32]


def test_the_filter_s_batch_keys_equal_the_one_post_keys() -> None:
    ids = ["p1", "42", "x\x1fy", "id with space", ""]
    texts = ["오늘 너무 행복해 ㅎㅎ", "😀 \u200d", "a", "", "줄\n바꿈"]
    assert analysis_keys(ids, texts, ANALYSIS) == [
        analysis_key(i, t, ANALYSIS) for i, t in zip(ids, texts, strict=True)
    ]
    assert analysis_keys(ids, texts, ANALYSIS) != analysis_keys(ids, texts, "other")
