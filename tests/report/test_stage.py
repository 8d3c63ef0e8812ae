"""The report finds the same validation report as the gate does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from emobatch.report.inputs import current_validation, stability_input, validation_input
from emobatch.stages.validate import current_report


def test_the_newest_report_of_the_analysis_in_any_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    for i, (mode, analysis) in enumerate(
        [("pilot", "a1"), ("sampling", "a1"), ("full", "a2"), ("code_check", "a1")]
    ):
        path = tmp_path / "results" / f"{mode}.validation.json"
        path.write_text(json.dumps({"analysis_id": analysis}), "utf-8")
        os.utime(path, (1_000_000 + i * (-10 if mode == "code_check" else 10),) * 2)
    for analysis in ("a1", "a2", "a3"):
        gate_path, _ = current_report(SimpleNamespace(id=analysis))  # only .id is read
        assert current_validation(analysis) == gate_path
    assert validation_input("a1") == ["results/sampling.validation.json"]
    assert validation_input("a3") == [] and stability_input("sampling") == []
    (tmp_path / "results" / "sampling.stability.json").write_text("{}", "utf-8")
    assert stability_input("sampling") == ["results/sampling.stability.json"]
