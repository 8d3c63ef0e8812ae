"""What a run will cost before anything is submitted, and the budget cap that stops it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from emobatch.analysis import analysis_for
from emobatch.costs import chunk_input_tokens, prices, row_cost
from emobatch.errors import BudgetExceeded
from emobatch.estimate import (
    api_token_ratio,
    check_budget,
    estimate_run,
    record_estimate,
    scan_chunk,
    typical_answer_tokens,
    with_budget,
)
from emobatch.ledger import Ledger
from emobatch.records import Sentinel
from emobatch.tokens import request_prompt_tokens
from tests.pipeline.fakes import FakeBackend, api_error
from tests.pipeline.outputs import settings, write_chunk


@pytest.fixture
def analysis(tmp_path: Path):
    return analysis_for(settings(tmp_path, backend="local"))


@pytest.fixture
def chunks(tmp_path: Path) -> list[Path]:
    return [
        write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2"], text="오늘 너무 행복해요 ㅋㅋ"),
        write_chunk(tmp_path / "chunk-0001.jsonl", ["p3"], text="I am so happy today!"),
    ]


def test_requests_tokens_and_usd_at_each_delivery(analysis, chunks: list[Path]) -> None:
    est = estimate_run(chunks, analysis=analysis, mode="pilot")
    assert est["format"] == "emobatch.estimate/2" and est["mode"] == "pilot"
    assert (est["chunks"], est["requests"]) == (2, 3)
    assert est["input_tokens"] == sum(chunk_input_tokens(c) for c in chunks) > 0
    assert est["output_tokens"] == 3 * typical_answer_tokens(analysis.codebook.emotions)
    assert est["thinking_tokens"] == 3 * analysis.generation.thinking_tokens_estimate
    usd = {}
    for delivery in ("batch", "flex", "interactive"):
        table = prices(analysis.catalogue, analysis.model.name, delivery)
        usd[delivery] = row_cost(
            table, est["input_tokens"], 0, est["output_tokens"], est["thinking_tokens"]
        )
        assert est[f"usd_{delivery}"] == round(usd[delivery], 6)
    assert usd["interactive"] == pytest.approx(2 * usd["batch"])
    assert est["usd_saving"] == round(usd["interactive"] - usd["batch"], 6)
    assert est["usd_per_1000_posts"] == round(usd["batch"] / 3 * 1000, 6)
    assert est["analysis_id"] == analysis.id and est["engine"]["kind"] == "lexicon"
    assert est["prices_taken_on"] == analysis.model.prices_taken_on


def test_the_token_ratio_scales_the_input_tokens(analysis, chunks: list[Path]) -> None:
    plain = estimate_run(chunks, analysis=analysis, mode="pilot")
    scaled = estimate_run(chunks, analysis=analysis, mode="pilot", token_ratio=1.2)
    assert scaled["input_tokens"] == round(plain["input_tokens"] * 1.2)
    assert scaled["output_tokens"] == plain["output_tokens"]
    assert scaled["token_ratio_applied"] == 1.2


def test_no_chunks_cost_nothing(analysis) -> None:
    est = estimate_run([], analysis=analysis, mode="full")
    assert est["requests"] == 0 and est["usd_batch"] == 0 and est["usd_per_1000_posts"] is None


def test_scan_chunk_counts_and_samples_at_most_20_requests(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "big.jsonl", [f"p{i}" for i in range(25)])
    requests, tokens, sample = scan_chunk(chunk)
    assert requests == 25 and len(sample) == 20
    assert tokens == 25 * request_prompt_tokens(sample[0])


def test_the_budget_cap_refuses_before_any_upload_and_names_the_numbers(
    analysis, chunks: list[Path]
) -> None:
    est = estimate_run(chunks, analysis=analysis, mode="full")
    check_budget(est, None)  # no cap
    check_budget(est, est["usd_batch"])  # exactly at the cap
    with pytest.raises(BudgetExceeded) as info:
        check_budget(est, 0.000001)
    text = str(info.value)
    assert text.startswith(f"the estimated cost of full is ${est['usd_batch']:,.4f} at batch")
    assert f"({est['requests']:,} requests, {est['input_tokens']:,} input and " in text
    assert "above budget_usd = $0.0000. Nothing was uploaded or submitted." in text
    assert "next step: raise budget_usd" in text


def test_with_budget_records_the_verdict(analysis, chunks: list[Path]) -> None:
    est = estimate_run(chunks, analysis=analysis, mode="pilot")
    assert with_budget(est, None)["within_budget"] is None
    assert with_budget(est, 1.0) == {**est, "budget_usd": 1.0, "within_budget": True}
    assert with_budget(est, 0.0)["within_budget"] is False


def _sentinel(chunk: Path, how: str) -> Sentinel:
    return Sentinel(
        job_name="batches/job1",
        display_name="d",
        model="gemini-3.1-flash-lite",
        chunk_file=str(chunk),
        chunk_sha256="sha",
        request_count=2,
        attempt=0,
        submitted_at="2026-01-01T00:00:00Z",
        api_key_fingerprint="sha256:fake0001",
        backend="fake",
        how=how,
        mode="pilot",
        analysis_id="a1",
    )


def test_the_estimate_enters_the_ledger_only_when_a_job_was_created(
    tmp_path: Path, analysis, chunks: list[Path]
) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    assert (
        record_estimate(ledger, _sentinel(chunks[0], "ledger"), chunks[0], analysis=analysis)
        is None
    )
    assert list(ledger.records()) == []
    rec = record_estimate(ledger, _sentinel(chunks[0], "created"), chunks[0], analysis=analysis)
    est = estimate_run([chunks[0]], analysis=analysis, mode="pilot")
    assert rec is not None and rec["event"] == "cost" and rec["kind"] == "estimate"
    assert rec["job_name"] == "batches/job1" and rec["requests"] == 2
    assert (rec["usd_batch"], rec["input_tokens"]) == (est["usd_batch"], est["input_tokens"])
    assert [r["event"] for r in ledger.records()] == ["cost"]


def test_count_tokens_calibrates_or_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    sample = [{"contents": [{"role": "user", "parts": [{"text": "좋아요"}]}]}] * 3
    assert api_token_ratio(FakeBackend(), "gemini-3.1-flash-lite", sample) == 1.0
    assert api_token_ratio(FakeBackend(), "gemini-3.1-flash-lite", []) is None
    failing = FakeBackend(failures={"count_tokens": [api_error(503)]})
    with caplog.at_level(logging.WARNING):
        assert api_token_ratio(failing, "gemini-3.1-flash-lite", sample) is None
    assert "count_tokens on a sample failed" in caplog.text
