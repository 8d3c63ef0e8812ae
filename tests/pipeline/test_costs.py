"""Prices from the catalogue, the cost of a row, and the actual cost per job in the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from emobatch.catalogue import load_catalogue
from emobatch.costs import priced_model, prices, record_actual, row_cost
from emobatch.ledger import Ledger
from tests.pipeline.outputs import LEXICON, parsed_rows, write_parquet

CAT = load_catalogue(None)


def test_row_cost_prices_cached_input_and_thinking_as_documented() -> None:
    table = {"input": 0.10, "cached_input": 0.01, "output": 0.40}
    # (prompt - cached) x input + cached x cached_input + (output + thoughts) x output
    assert row_cost(table, 1000, 200, 50, 30) == pytest.approx(
        (800 * 0.10 + 200 * 0.01 + 80 * 0.40) / 1e6
    )
    assert row_cost({"input": 0.10, "output": 0.40}, 1000, 200, 0, 0) == pytest.approx(1e-4)
    assert row_cost(table, 10, 50, 0, 0) == pytest.approx(50 * 0.01 / 1e6)  # never negative
    assert row_cost(None, 1000, 0, 10, 0) is None


def test_prices_come_from_the_catalogue_by_model_or_family() -> None:
    entry = CAT.get("gemini-3.1-flash-lite")
    assert entry is not None
    assert prices(CAT, "gemini-3.1-flash-lite", "batch") == entry.price("batch").as_dict()
    assert prices(CAT, "models/gemini-3.1-flash-lite", "interactive") == (
        entry.price("interactive").as_dict()
    )
    assert prices(CAT, "no-such-model") is None and prices(CAT, None) is None
    assert prices(CAT, "gemini-3.1-flash-lite", "no-such-delivery") is None


def test_the_answering_model_sets_the_price_where_the_catalogue_knows_it() -> None:
    assert priced_model(CAT, "gemini-3.1-flash-lite", "gemini-3.5-flash-lite") == (
        "gemini-3.5-flash-lite"
    )
    assert priced_model(CAT, "gemini-3.1-flash-lite", "some-unknown-model") == (
        "gemini-3.1-flash-lite"
    )
    assert priced_model(CAT, "gemini-3.1-flash-lite", None) == "gemini-3.1-flash-lite"


def test_actual_costs_are_recorded_per_job(tmp_path: Path) -> None:
    parsed = write_parquet(
        tmp_path / "parsed" / "chunk-0000.parquet",
        parsed_rows(
            ["p1", "p2", "p3", "p4"],
            batch_job=["batches/a", "batches/a", "batches/b", None],  # p4: missing from output
            prompt_tokens=[100, 200, 300, None],
            output_tokens=[10, 20, 30, None],
            thoughts_tokens=[1, 2, 3, None],
            cached_tokens=[0, 50, 0, None],
            cost_usd=[0.001, 0.002, 0.004, None],
            model_version=[LEXICON, LEXICON, "gemini-3.5-flash-lite", None],
        ),
    )
    ledger = Ledger(tmp_path / "ledger.jsonl")
    out = record_actual(ledger, parsed, catalogue=CAT, model="gemini-3.1-flash-lite")
    assert [r["job_name"] for r in out] == ["batches/a", "batches/b"]
    a, b = out
    assert (a["rows"], a["input_tokens"], a["cached_tokens"]) == (2, 300, 50)
    assert (a["output_tokens"], a["thinking_tokens"]) == (30, 3)
    assert a["usd_batch"] == pytest.approx(0.003)  # the rows' own cost_usd, summed
    assert a["model_versions"] == [LEXICON] and b["model_versions"] == ["gemini-3.5-flash-lite"]
    # interactive-equivalent: the requested model for the dictionary, the answering one else
    lite31 = prices(CAT, "gemini-3.1-flash-lite", "interactive")
    lite35 = prices(CAT, "gemini-3.5-flash-lite", "interactive")
    assert a["usd_interactive"] == pytest.approx(
        row_cost(lite31, 100, 0, 10, 1) + row_cost(lite31, 200, 50, 20, 2), abs=1e-8
    )
    assert b["usd_interactive"] == pytest.approx(row_cost(lite35, 300, 0, 30, 3), abs=1e-8)
    assert all(r["kind"] == "actual" and r["parsed"] == str(parsed) for r in out)
    assert [r["event"] for r in ledger.records()] == ["cost", "cost"]
