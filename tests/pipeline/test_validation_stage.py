"""The validation gate on ``full``: which report counts, what a paid backend refuses, what the
offline backend only reports, simulated coders, overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emobatch.analysis import analysis_for
from emobatch.config import Settings, load_config
from emobatch.errors import ValidationGateClosed
from emobatch.stages.validate import current_report, gate, gate_status

REPO = Path(__file__).resolve().parents[2]


def settings(backend: str, **validation: Any) -> Settings:
    return load_config(
        REPO / "config" / "config.yaml",
        {
            "backend": backend,
            "codebook": str(REPO / "config" / "codebook" / "emotion.yaml"),
            "validation": validation,
        },
    )


def report(analysis_id: str, low: float, *, simulated: bool = False) -> dict[str, Any]:
    fig = {"value": low + 0.05, "ci": [low, low + 0.1], "valid_draws": 2000}
    return {
        "format": "emobatch.validation/1",
        "analysis_id": analysis_id,
        "items": 200,
        "coders": ["a", "b", "c"],
        "simulated_coders": simulated,
        "fields": {"primary_emotion": {"alpha_with_model": fig}},
    }


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    return tmp_path


def write(mode: str, data: dict[str, Any]) -> None:
    Path("results", f"{mode}.validation.json").write_text(json.dumps(data), encoding="utf-8")


def test_without_a_report_a_paid_full_refuses_and_says_what_to_do() -> None:
    s = settings("gemini")
    with pytest.raises(ValidationGateClosed) as info:
        gate(s, analysis_for(s), "full")
    text = str(info.value)
    assert "no agreement with human coders was measured" in text
    assert "needed alpha_with_model (ci_low) for primary_emotion >= 0.667" in text
    assert "override_reason" in text and "Nothing was uploaded" in text
    assert gate(s, analysis_for(s), "sampling")["gated"] is False  # only full is gated


def test_the_offline_backend_reports_but_does_not_block(caplog: pytest.LogCaptureFixture) -> None:
    s = settings("local")
    out = gate(s, analysis_for(s), "full")
    assert out["gated"] and out["passed"] is False and out["reason"] == "no_report"
    assert "not blocking" in caplog.text


def test_only_the_current_analysis_report_counts() -> None:
    s = settings("gemini")
    write("sampling", report("a000000000000", 0.9))  # another analysis
    assert current_report(analysis_for(s)) == (None, None)
    with pytest.raises(ValidationGateClosed):
        gate(s, analysis_for(s), "full")
    write("sampling", report(analysis_for(s).id, 0.70))
    out = gate(s, analysis_for(s), "full")
    assert out["passed"] and out["measured"] == pytest.approx(0.70)
    assert out["report"] == str(Path("results", "sampling.validation.json"))


def test_below_the_threshold_refuses_with_the_numbers() -> None:
    s = settings("gemini")
    write("sampling", report(analysis_for(s).id, 0.61))
    with pytest.raises(ValidationGateClosed, match=r"measured .* = 0\.610, needed >= 0\.667"):
        gate(s, analysis_for(s), "full")
    stricter = settings("gemini", gate={"threshold": 0.8, "bound": "value"})
    write("sampling", report(analysis_for(stricter).id, 0.70))
    with pytest.raises(ValidationGateClosed, match=r"needed >= 0\.800"):
        gate(stricter, analysis_for(stricter), "full")


def test_simulated_coders_never_open_the_gate_on_a_paid_backend() -> None:
    s = settings("gemini")
    write("sampling", report(analysis_for(s).id, 0.95, simulated=True))
    with pytest.raises(ValidationGateClosed, match="SIMULATED coders"):
        gate(s, analysis_for(s), "full")
    offline = settings("local")
    write("sampling", report(analysis_for(offline).id, 0.95, simulated=True))
    assert gate(offline, analysis_for(offline), "full")["passed"]


def test_an_override_reason_opens_the_gate_and_is_recorded() -> None:
    s = settings("gemini", override_reason="  piloted by hand; see appendix B  ")
    out = gate(s, analysis_for(s), "full")
    assert out["passed"] and out["reason"] == "override"
    assert out["override_reason"] == "piloted by hand; see appendix B"
    assert gate_status(settings("gemini"), analysis_for(s), "full")["override_reason"] is None
