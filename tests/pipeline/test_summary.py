"""The end-of-run summary: what coded the rows, tokens and USD of this run, loud warnings."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch.analysis import analysis_for
from emobatch.costs import prices, row_cost
from emobatch.summary import FORMAT, format_summary, summarise, write_summary
from tests.pipeline.outputs import LEXICON, settings

COUNTS = {
    "mode": "pilot",
    "analysis_id": "a1",
    "posts": 4,
    "ok": 3,
    "failed": 1,
    "this_run": 3,
    "from_history": 1,
}


def dataset(path: Path, versions: list[str | None], source: list[str]) -> Path:
    n = len(versions)
    pq.write_table(
        pa.table(
            {
                "post_id": [f"p{i}" for i in range(n)],
                "status": ["ok" if v else "failed" for v in versions],
                "result_source": source,
                "model_version": pa.array(versions, pa.string()),
                "prompt_tokens": [1000 * (i + 1) for i in range(n)],
                "output_tokens": [100] * n,
                "thoughts_tokens": [10] * n,
                "cached_tokens": [0] * n,
            }
        ),
        path,
    )
    return path


def test_local_run_names_the_dictionary_counts_this_runs_tokens_and_spends_nothing(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path, backend="local")
    analysis = analysis_for(s)
    data = dataset(
        tmp_path / "pilot.parquet",
        [LEXICON, LEXICON, None, LEXICON],
        ["this_run", "this_run", "this_run", "history"],
    )
    summary = summarise(s, analysis, COUNTS, data)
    assert summary["format"] == FORMAT and summary["backend"] == "local"
    assert "offline dictionary baseline" in summary["coded_by"]
    assert "not an LLM" in summary["coded_by"]
    assert summary["engine_tag"] == analysis.engine.tag == f"lexicon:{LEXICON}"
    # only the rows coded now: 1000 + 2000 + 3000 prompt tokens (the history row is not counted)
    assert summary["tokens_this_run"] == {
        "prompt": 6000,
        "output": 300,
        "thoughts": 30,
        "cached": 0,
    }
    assert summary["model_versions"] == {LEXICON: 2, "None": 1}
    assert summary["routed_rows"] == 0 and summary["warnings"] == list(analysis.generation.warnings)
    batch = prices(analysis.catalogue, analysis.model.name, "batch")
    expected = row_cost(batch, 3000, 0, 200, 20) + row_cost(batch, 3000, 0, 100, 10)
    assert summary["cost_usd_batch"] == pytest.approx(expected, abs=1e-6)
    assert summary["saving_usd"] == pytest.approx(
        summary["cost_usd_interactive_equivalent"] - summary["cost_usd_batch"], abs=2e-6
    )
    assert "no money was spent" in summary["note"]
    assert {k: summary[k] for k in COUNTS} == COUNTS


def test_routed_rows_are_counted_and_warned_about(tmp_path: Path) -> None:
    """(was the summary part of tests/e2e/test_engine_identity.py::test_routed_answer_...)"""
    s = settings(tmp_path, backend="gemini")
    analysis = analysis_for(s)
    data = dataset(
        tmp_path / "pilot.parquet",
        ["gemini-3.5-flash-lite"] * 3 + ["gemini-3.1-flash-lite"],
        ["this_run"] * 4,
    )
    summary = summarise(s, analysis, COUNTS, data)
    assert summary["routed_rows"] == 3 and summary["note"] is None
    assert summary["model_versions"] == {"gemini-3.5-flash-lite": 3, "gemini-3.1-flash-lite": 1}
    assert any(
        w.startswith("3 row(s): gemini-3.1-flash-lite was requested but gemini-3.5-flash-lite")
        and "silent routing" in w
        for w in summary["warnings"]
    ), summary["warnings"]
    # each answering model at its own price
    p35 = prices(analysis.catalogue, "gemini-3.5-flash-lite", "batch")
    p31 = prices(analysis.catalogue, "gemini-3.1-flash-lite", "batch")
    expected = row_cost(p35, 6000, 0, 300, 30) + row_cost(p31, 4000, 0, 100, 10)
    assert summary["cost_usd_batch"] == pytest.approx(expected, abs=1e-6)


def test_dictionary_answers_on_gemini_say_the_endpoint_is_not_gemini(tmp_path: Path) -> None:
    s = settings(tmp_path, backend="gemini")
    data = dataset(tmp_path / "pilot.parquet", [LEXICON] * 2, ["this_run"] * 2)
    summary = summarise(s, analysis_for(s), COUNTS, data)
    assert summary["routed_rows"] == 2
    assert any("not Gemini" in w for w in summary["warnings"])
    assert "Gemini Developer API" in summary["coded_by"]


def test_the_summary_file_and_its_lines_warnings_loud(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = settings(tmp_path, backend="gemini")
    data = dataset(tmp_path / "full.parquet", ["gemini-3.5-flash-lite"], ["this_run"])
    reason = "pilot study; validated by hand"
    counts: dict[str, Any] = {
        **COUNTS,
        "mode": "full",
        "validation": {"gated": True, "message": "gate overridden", "override_reason": reason},
    }
    out = tmp_path / "full.summary.json"
    with caplog.at_level(logging.INFO, logger="emobatch.summary"):
        summary = write_summary(s, analysis_for(s), counts, dataset=data, out=out)
    assert json.loads(out.read_text("utf-8")) == summary
    assert summary["validation"]["override_reason"] == reason
    text = format_summary(summary)
    lines = text.splitlines()
    assert lines[0].startswith("emobatch run summary: mode full, analysis a1")
    assert lines[1].startswith("  engine     coded by gemini-3.1-flash-lite")
    assert "  validation gate overridden" in lines
    assert f"  WARNING    validation gate overridden: {reason}" in lines
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert all(m.lstrip().startswith("WARNING") for m in warned)
    assert any("silent routing" in m for m in warned) and any(reason in m for m in warned)
    assert [r.getMessage() for r in caplog.records] == lines
