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


def test_the_column_keys_hash_each_post_s_bytes_even_in_a_slice() -> None:
    import pyarrow as pa

    from emobatch.identity import analysis_keys_column

    ids = [f"p{i}" for i in range(50)]
    texts = [f"글 {i} " + "😀" * (i % 4) for i in range(50)]
    expected = [
        hashlib.sha256(f"{ANALYSIS}\x1f{i}\x1f{t}".encode()).hexdigest()[:32]
        for i, t in zip(ids, texts, strict=True)
    ]
    column = analysis_keys_column(pa.array(ids), pa.array(texts, pa.large_string()), ANALYSIS)
    assert column.type == pa.string() and column.to_pylist() == expected
    part = analysis_keys_column(pa.array(ids).slice(7, 20), pa.array(texts).slice(7, 20), ANALYSIS)
    assert part.to_pylist() == expected[7:27]
    assert (
        analysis_keys_column(pa.array([], pa.string()), pa.array([], pa.string()), "a").to_pylist()
        == []
    )
