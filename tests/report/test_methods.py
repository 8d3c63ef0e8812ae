"""The methods draft: every number in its text is a value of the provenance record."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from emobatch.report.methods import (
    TERMS,
    TODO_EN,
    TODO_KO,
    Fact,
    lookup,
    paragraphs,
    pointer,
    render,
    render_methods,
)

NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")


def check_numbers(doc: str, facts: list[Fact], record: dict[str, Any]) -> None:
    """Every number of the paragraphs is a fact's text, and every fact is the record's value.

    Shared with the end-to-end test of the report (tests/e2e/test_report.py).
    """
    text = paragraphs(doc)
    for fact in facts:
        if fact.kind == "key":
            assert fact.value in lookup(record, fact.pointer), fact
        else:
            assert lookup(record, fact.pointer) == fact.value, fact
            assert render(fact.kind, fact.value) == fact.text, fact
        assert fact.text in text, f"{fact.text!r} is not in the text"
    allowed = {t for quoted in [*(f.text for f in facts), *TERMS] for t in NUMBER.findall(quoted)}
    left = [t for t in NUMBER.findall(text) if t not in allowed]
    assert not left, f"numbers in the methods text that no provenance field gave: {left}"
    for todo in re.findall(r"\[(?:TO WRITE|작성 필요):[^\]]*\]", text):
        assert not re.search(r"\d", todo), todo


def record(**changes: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "format": "emobatch.provenance/1",
        "generated_at": "2026-12-02T10:00:00+00:00",
        "mode": "sampling",
        "analysis_id": "a0123456789a",
        "backend": "gemini",
        "input": {"path": "data/raw/posts.csv", "sha256": "ab" * 32},
        "dataset": {"rows": 1500, "ok": 1497, "failed": 3},
        "selection": {
            "rows_read": 10_250,
            "dropped": {"duplicate_id": 12, "empty_text": 0, "too_long": 7},
            "dropped_total": 19,
            "population": 10_231,
            "sample_size": 1500,
            "seed": 20261127,
            "cochran": {
                "confidence": 0.95,
                "margin_of_error": 0.025,
                "proportion": 0.5,
                "min_size": 384,
            },
        },
        "codebook": {"name": "plutchik-8-ko", "version": "044a86c60426"},
        "engine": {"kind": "llm", "provider": "gemini", "model": "gemini-3.1-flash-lite"},
        "model": {
            "requested": "gemini-3.1-flash-lite",
            "answered": {"gemini-3.1-flash-lite-001": 1490, "gemini-3.5-flash-lite": 7},
            "routed_rows": 7,
        },
        "delivery": "batch",
        "generation": {
            "sent": {"maxOutputTokens": 512, "thinkingConfig": {"thinkingLevel": "MINIMAL"}}
        },
        "batch": {
            "jobs_count": 2,
            "first_submitted_at": "2026-11-30T23:59:00+00:00",
            "last_finished_at": "2026-12-01T04:10:00Z",
        },
        "tokens": {"prompt": 1_797_000, "output": 226_500, "thoughts": 12_000, "cached": 0},
        "cost": {
            "money_spent": True,
            "estimated": {"usd_batch": 0.3941},
            "actual": {"batch": 0.38712},
            "prices": {"taken_on": "2026-10-15"},
        },
        "software": {
            "emobatch": "0.1.0",
            "emobatch_git_commit": "0" * 39 + "7",
            "emobatch_git_dirty": False,
            "snakemake": "9.27.1",
            "google-genai": "3.6.1",
            "python": "3.11.7",
        },
        "validation": {
            "items": 200,
            "coders_count": 3,
            "simulated_coders": False,
            "bootstrap": {"draws": 2000, "level": 0.95},
            "fields": {
                "primary_emotion": {
                    m: {"value": 0.7 + i / 100, "ci": [0.6 + i / 100, 0.8 + i / 100]}
                    for i, m in enumerate(
                        ("alpha_humans", "alpha_with_model", "kappa_vs_majority", "macro_f1")
                    )
                }
            },
            "gate": {"passed": True},
            "thresholds": {
                "metric": "alpha_with_model",
                "bound": "ci_low",
                "threshold": 0.667,
            },
        },
    }
    rec.update(changes)
    return rec


def test_every_number_of_the_text_is_a_provenance_value() -> None:
    rec = record()
    doc, facts = render_methods(rec, "results/sampling.provenance.json")
    check_numbers(doc, facts, rec)
    assert "0.710 [0.610, 0.810]" in doc  # alpha among the coders, with its interval
    assert "seed 20261127" in doc and "1,497 of 1,500" in doc
    assert "gemini-3.5-flash-lite (7 rows)" in doc and "$0.3871" in doc
    assert "## 한국어" in doc and "코더 3명이 게시물 200개를" in doc
    assert doc.count(TODO_EN) >= 2 and doc.count(TODO_KO) >= 2
    assert "no money was spent" not in doc


def test_a_changed_record_changes_the_text_and_an_invented_number_is_caught() -> None:
    rec = record()
    doc, facts = render_methods(rec, "p.json")
    other = copy.deepcopy(rec)
    other["selection"]["population"] = 10_232
    with pytest.raises(AssertionError):
        check_numbers(doc, facts, other)
    with pytest.raises(AssertionError, match="no provenance field"):
        check_numbers(doc.replace("**Sample.**", "**Sample of 77 posts.**"), facts, rec)


def test_without_validation_the_agreement_is_left_to_write_and_offline_runs_say_so() -> None:
    rec = record(validation=None, backend="local")
    rec["engine"] = {"kind": "lexicon", "version": "emobatch-lexicon-1.0.0"}
    rec["cost"]["money_spent"] = False
    rec["selection"]["cochran"] = None
    doc, facts = render_methods(rec, "p.json")
    check_numbers(doc, facts, rec)
    assert f"**Agreement with human coders.** {TODO_EN}" in doc
    assert "offline dictionary baseline emobatch-lexicon-1.0.0 (not an LLM" in doc
    assert "no money was spent" in doc and "실제 비용은 들지 않았다" in doc
    assert "Cochran" not in doc


def test_pointers_escape_slashes_and_tildes() -> None:
    rec = {"a": {"x/y": {"~z": [10, 20]}}}
    assert pointer("a", "x/y", "~z", 1) == "/a/x~1y/~0z/1"
    assert lookup(rec, pointer("a", "x/y", "~z", 1)) == 20
    assert render("pct", 0.025) == "2.5%" and render("usd", 0.1) == "$0.1000"
    assert render("int", 20261127) == "20,261,127" and render("plain", 20261127) == "20261127"
