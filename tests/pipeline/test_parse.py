"""Parsing a chunk's outputs: one row per submitted key, in chunk order, ok or failed with a
reason; the best answer across retry rounds; the answering model's price and silent routing."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from emobatch.analysis import analysis_for
from emobatch.codebook import load_codebook
from emobatch.errors import CoverageError
from emobatch.labels import EMOTIONS
from emobatch.routing import AnswerCheck
from emobatch.stages.parse import RESULT_COLUMNS, parse_chunk, result_schema
from tests.pipeline.outputs import (
    LEXICON,
    REPO,
    error_line,
    manifest,
    ok_line,
    settings,
    write_chunk,
    write_lines,
)

CODEBOOK = load_codebook(REPO / "config" / "codebook" / "emotion.yaml")


def _parse(tmp_path: Path, chunk: Path, rounds: list[tuple[Path, str]], **kw) -> tuple[dict, list]:
    recovered = manifest(tmp_path / "recovered.json", chunk, rounds)
    out = tmp_path / "parsed" / "chunk-0000.parquet"
    counts = parse_chunk(
        chunk=chunk, recovered=recovered, out=out, read_answer=CODEBOOK.read_answer, **kw
    )
    table = pq.read_table(out)
    assert table.schema == result_schema()
    return counts, table.to_pylist()


def test_one_row_per_key_in_chunk_order_with_the_reason_of_each_failure(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2", "p3", "p4", "p5", "p6"])
    raw = write_lines(
        tmp_path / "raw.jsonl",
        [  # out of order, as a provider may return them; p6 never comes back
            ok_line("p3", "fear", prompt=120, output=41, thoughts=7, cached=20),
            error_line("p2", 500),
            ok_line("p1", "joy"),
            ok_line("p4", text="not json"),
            ok_line("p5", finish="MAX_TOKENS"),
        ],
    )
    counts, rows = _parse(tmp_path, chunk, [(raw, "batches/job1")])
    assert [r["post_id"] for r in rows] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "failed", "failed", "failed"]
    assert [r["error_reason"] for r in rows] == [
        None,
        "api_error",
        None,
        "invalid_json",
        "max_tokens",
        "missing_from_output",
    ]
    assert rows[1]["error_detail"].startswith("500 INTERNAL")
    p3 = rows[2]
    assert p3["primary_emotion"] == "fear" and p3["intensity_fear"] == 0.8
    assert p3["sentiment"] == "positive" and p3["sentiment_score"] == 0.7
    assert (p3["prompt_tokens"], p3["output_tokens"], p3["thoughts_tokens"]) == (120, 41, 7)
    assert p3["cached_tokens"] == 20 and p3["model_version"] == LEXICON
    assert p3["batch_job"] == "batches/job1" and p3["retry_round"] == 0
    assert p3["response_id"] == "resp-p3" and p3["finish_reason"] == "STOP"
    # a failed row carries no answer fields, a missing one no job or round
    assert all(rows[1][f"intensity_{e}"] is None for e in EMOTIONS)
    assert rows[5]["batch_job"] is None and rows[5]["retry_round"] is None
    assert counts == {
        "rows": 6,
        "ok": 2,
        "failed": 4,
        "routed": 0,
        "model_versions": {LEXICON: 4},
    }
    assert list(rows[0]) == list(RESULT_COLUMNS)


def test_the_last_good_answer_across_rounds_wins(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2", "p3"])
    first = write_lines(tmp_path / "r0.jsonl", [ok_line("p1"), error_line("p2"), error_line("p3")])
    retry = write_lines(tmp_path / "r1.jsonl", [ok_line("p2", "sadness"), error_line("p3", 503)])
    _, rows = _parse(tmp_path, chunk, [(first, "batches/job1"), (retry, "batches/job2")])
    by_key = {r["post_id"]: r for r in rows}
    assert (by_key["p1"]["retry_round"], by_key["p1"]["batch_job"]) == (0, "batches/job1")
    assert (by_key["p2"]["retry_round"], by_key["p2"]["batch_job"]) == (1, "batches/job2")
    assert by_key["p2"]["primary_emotion"] == "sadness" and by_key["p2"]["status"] == "ok"
    assert by_key["p3"]["status"] == "failed" and by_key["p3"]["error_detail"].startswith("503")


def test_an_output_key_that_was_never_submitted_is_a_coverage_error(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1"), ok_line("other-work")])
    with pytest.raises(CoverageError, match="key 'other-work' was never submitted"):
        _parse(tmp_path, chunk, [(raw, "batches/job1")])
    assert not (tmp_path / "parsed" / "chunk-0000.parquet").exists()


def test_a_routed_answer_is_flagged_warned_and_priced_at_the_answering_model(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """(was the end of tests/e2e/test_engine_identity.py::test_routed_answer_...)"""
    analysis = analysis_for(settings(tmp_path, backend="gemini"))
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2"])
    raw = write_lines(
        tmp_path / "raw.jsonl",
        [
            ok_line(k, model_version="gemini-3.5-flash-lite", prompt=1000, output=50, thoughts=30)
            for k in ("p1", "p2")
        ],
    )
    with caplog.at_level(logging.INFO):
        counts, rows = _parse(
            tmp_path, chunk, [(raw, "batches/job1")], check=AnswerCheck.of(analysis)
        )
    assert {r["model_version"] for r in rows} == {"gemini-3.5-flash-lite"}
    assert all(r["model_routed"] for r in rows) and counts["routed"] == 2
    # priced at the answering model: 3.5 Flash-Lite's batch rates, not 3.1's
    expected = 1000 * 0.15 + (50 + 30) * 1.25
    assert rows[0]["cost_usd"] == pytest.approx(expected / 1e6)
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "gemini-3.1-flash-lite was requested but gemini-3.5-flash-lite answered" in m
        and "silent routing" in m
        for m in warned
    ), warned
    batch = [r.getMessage() for r in caplog.records if r.name == "emobatch.batch"]
    assert any(m.startswith("BATCH routing chunk-0000.jsonl: 2 row(s)") for m in batch), batch


def test_dictionary_answers_on_a_gemini_analysis_say_the_endpoint_is_not_gemini(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    analysis = analysis_for(settings(tmp_path, backend="gemini"))
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1", model_version=LEXICON)])
    with caplog.at_level(logging.WARNING):
        _, rows = _parse(tmp_path, chunk, [(raw, "batches/job1")], check=AnswerCheck.of(analysis))
    assert rows[0]["model_routed"] is True
    assert "not from gemini-3.1-flash-lite: this endpoint is not Gemini" in caplog.text


def test_the_dictionary_on_the_local_backend_is_not_routed_and_priced_as_requested(
    tmp_path: Path,
) -> None:
    analysis = analysis_for(settings(tmp_path, backend="local"))
    check = AnswerCheck.of(analysis)
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1", prompt=1000, output=100)])
    counts, rows = _parse(tmp_path, chunk, [(raw, "batches/job1")], check=check)
    assert rows[0]["model_routed"] is False and counts["routed"] == 0
    assert rows[0]["cost_usd"] == pytest.approx(check.cost(LEXICON, 1000, 0, 100, 0))
    assert rows[0]["cost_usd"] == pytest.approx(
        check.cost("gemini-3.1-flash-lite", 1000, 0, 100, 0)
    )  # the requested model's price: what Gemini would charge


def test_without_a_check_there_is_no_cost_and_no_routing_flag(tmp_path: Path) -> None:
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", ["p1", "p2"])
    raw = write_lines(tmp_path / "raw.jsonl", [ok_line("p1"), error_line("p2", 400, "BAD")])
    _, rows = _parse(tmp_path, chunk, [(raw, "batches/job1")])
    assert rows[0]["cost_usd"] is None and rows[0]["model_routed"] is False
    assert rows[1]["model_version"] is None and rows[1]["model_routed"] is None


def test_each_row_is_priced_exactly_as_row_cost_prices_it(tmp_path: Path) -> None:
    """The column-wise cost equals emobatch.costs.row_cost row by row (==, not approx): several
    answering models, a standard-tier (interactive) answer, cached tokens, failed rows."""
    from emobatch.costs import row_cost

    analysis = analysis_for(settings(tmp_path, backend="gemini"))
    check = AnswerCheck.of(analysis)
    lines = [
        ok_line("p1", model_version="gemini-3.1-flash-lite", prompt=1234, output=77, cached=400),
        ok_line("p2", model_version="gemini-3.5-flash-lite", prompt=999, output=13, thoughts=5),
        {
            **ok_line("p3", model_version="gemini-3.1-flash-lite", prompt=50),
            "serviceTier": "standard",
        },
        ok_line("p4", model_version=LEXICON, prompt=7, output=3),
        ok_line("p5", text="not json", model_version="gemini-3.1-flash-lite", prompt=321),
        error_line("p6", 500),
    ]
    chunk = write_chunk(tmp_path / "chunk-0000.jsonl", [f"p{i}" for i in range(1, 8)])
    raw = write_lines(tmp_path / "raw.jsonl", lines)
    _, rows = _parse(tmp_path, chunk, [(raw, "batches/job1")], check=check)
    tiers = {"p3": "interactive"}
    for row in rows:
        table = check.price_table(row["model_version"], tiers.get(row["post_id"]))
        expected = row_cost(
            table, row["prompt_tokens"], row["cached_tokens"], row["output_tokens"],
            row["thoughts_tokens"],
        )  # fmt: skip
        assert row["cost_usd"] == expected, row["post_id"]
    assert rows[2]["cost_usd"] == row_cost(
        check.price_table("gemini-3.1-flash-lite", "interactive"), 50, 0, 40, 0
    )
    assert rows[2]["cost_usd"] != row_cost(check.price_table("gemini-3.1-flash-lite"), 50, 0, 40, 0)
