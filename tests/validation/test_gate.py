"""The validation gate: pass, refuse (with the two ways forward), override, no report."""

from __future__ import annotations

from typing import Any

import pytest

from emobatch.errors import ConfigError
from emobatch.validation import FORMAT, gate_verdict


def _report(value: float | None, ci: list[float] | None) -> dict[str, Any]:
    fig = {"value": value, "ci": ci, "valid_draws": 2000}
    return {
        "format": FORMAT,
        "items": 200,
        "coders": ["a", "b", "c"],
        "fields": {
            "primary_emotion": {"alpha_with_model": fig, "kappa_vs_majority": fig},
            "sentiment": {"alpha_with_model": {"value": 0.9, "ci": [0.85, 0.95]}},
        },
    }


def test_passes_on_the_lower_bound() -> None:
    verdict = gate_verdict(_report(0.75, [0.70, 0.80]))
    assert verdict.passed and verdict.reason == "passed"
    assert verdict.measured == 0.70 and verdict.needed == 0.667


def test_refuses_below_the_threshold_and_says_what_to_do() -> None:
    verdict = gate_verdict(_report(0.70, [0.62, 0.78]))
    assert not verdict.passed and verdict.reason == "below_threshold"
    assert verdict.measured == 0.62
    assert "measured alpha_with_model (ci_low) for primary_emotion = 0.620" in verdict.message
    assert "needed >= 0.667" in verdict.message
    assert "more human codes" in verdict.message
    assert "validation.override_reason" in verdict.message
    assert gate_verdict(_report(0.70, [0.62, 0.78]), bound="value").passed  # the point estimate


def test_metric_field_and_threshold_are_configurable() -> None:
    rep = _report(0.70, [0.62, 0.78])
    assert gate_verdict(rep, field="sentiment", threshold=0.8).passed
    assert not gate_verdict(rep, field="sentiment", threshold=0.9).passed
    assert gate_verdict(rep, metric="kappa_vs_majority", threshold=0.6).measured == 0.62
    with pytest.raises(ConfigError, match="'nope' is not a figure"):
        gate_verdict(rep, metric="nope")
    with pytest.raises(ConfigError, match="bound"):
        gate_verdict(rep, bound="median")
    with pytest.raises(ConfigError, match="format"):
        gate_verdict({"format": "other/9"})


def test_override_passes_and_keeps_the_reason() -> None:
    verdict = gate_verdict(_report(0.5, [0.4, 0.6]), override_reason=" pilot only, not published ")
    assert verdict.passed and verdict.reason == "override"
    assert "pilot only, not published" in verdict.message and "0.400" in verdict.message
    assert not gate_verdict(_report(0.5, [0.4, 0.6]), override_reason="   ").passed
    assert gate_verdict(None, override_reason="no coders yet").passed


def test_no_report_and_not_computed() -> None:
    verdict = gate_verdict(None)
    assert not verdict.passed and verdict.reason == "no_report" and verdict.measured is None
    assert "validation.override_reason" in verdict.message
    verdict = gate_verdict(_report(None, None))
    assert not verdict.passed and verdict.reason == "not_computed"
    missing = gate_verdict(_report(0.9, [0.8, 0.95]), field="intensities")
    assert missing.reason == "not_computed"
    assert verdict.as_dict()["reason"] == "not_computed"
