"""`make clean-results` starts the results over but keeps what records money already spent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("everything", [False, True])
def test_clean_results_keeps_the_ledger_history_and_emulator(
    tmp_path: Path, everything: bool
) -> None:
    for path in (
        "results/ledger/submissions.jsonl",
        "results/history/part-pilot-a1.parquet",
        "results/emulator/state.json",
        "results/pilot.parquet",
        "results/pilot/a000000000001/estimate.json",
        "logs/analysis.log",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x", encoding="utf-8")
    args = ["make", "-f", str(REPO / "Makefile"), "clean-results"] + (
        ["ALL=1"] if everything else []
    )
    out = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=True)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    if everything:
        assert left == [] and "including the ledger and the history" in out.stdout
    else:
        assert left == [
            "results/emulator/state.json",
            "results/history/part-pilot-a1.parquet",
            "results/ledger/submissions.jsonl",
        ]
        assert "kept results/ledger, results/history and results/emulator" in out.stdout
        assert "make clean-results ALL=1" in out.stdout  # the printed hint, run above too
