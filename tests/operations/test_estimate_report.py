"""A mode's estimate, computed the way the rules compute it, writing nothing under results/."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch import atomic
from emobatch.analysis import analysis_for
from emobatch.config import Settings
from emobatch.identity import file_sha256
from emobatch.ledger import Ledger
from emobatch.operations.estimate_report import estimate_chunks, estimate_for_mode
from emobatch.paths import ModePaths, RunPaths
from emobatch.stages.filter import run_filter
from emobatch.stages.requests import write_chunks
from tests.pipeline.fakes import FakeBackend


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where tempfile puts temporary folders during the test."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def build_run(settings: Settings, mode: str) -> RunPaths:
    """What filter_select and requests_build write (their stage functions, no Snakemake)."""
    analysis = analysis_for(settings)
    run = RunPaths(mode, analysis.id)
    run_filter(
        settings,
        mode,
        analysis=analysis.id,
        out_selected=run.selected,
        out_report=run.filter_report,
        out_dropped=run.dropped,
    )
    write_chunks(settings, selected=run.selected, out_dir=run.chunks_dir, analysis=analysis)
    return run


def test_a_fresh_project_is_estimated_in_a_temporary_folder_outside_results(
    project: Path, settings: Settings, scratch: Path
) -> None:
    before = tree(project)
    data = estimate_for_mode(settings, "pilot")
    assert tree(project) == before and not (project / "results").exists()
    assert tree(scratch) == []  # the temporary folder is gone
    assert (data["source"], data["built_now"], data["estimate_file"]) == ("built", True, None)
    assert (data["requests"], data["chunks"], data["mode"]) == (5, 1, "pilot")
    assert data["posts"] == {
        "population": 12,
        "selected": 5,
        "already_analysed": 0,
        "to_submit": 5,
        "dropped_total": 0,
    }
    assert data["analysis_id"] == analysis_for(settings).id
    assert data["usd_batch"] > 0 and data["budget_usd"] is None and data["within_budget"] is None
    assert data["coded"] is None and data["rerun"] is None and data["budget_message"] is None


def test_the_same_numbers_from_the_rules_chunks_and_from_their_estimate_file(
    project: Path, settings: Settings, scratch: Path
) -> None:
    built = estimate_for_mode(settings, "pilot")
    run = build_run(settings, "pilot")
    before = tree(project)
    from_chunks = estimate_for_mode(settings, "pilot")
    assert from_chunks["source"] == "chunks" and tree(project) == before
    same = ("requests", "chunks", "input_tokens", "output_tokens", "usd_batch", "posts")
    assert {k: from_chunks[k] for k in same} == {k: built[k] for k in same}

    # what requests_estimate writes; read back with the budget verdict of the current config
    analysis = analysis_for(settings)
    chunks = run.chunk_files()
    atomic.write_json(
        run.estimate, estimate_chunks(chunks, analysis=analysis, mode="pilot", budget_usd=None)
    )
    capped = dataclasses.replace(settings, budget_usd=1e-9)
    before = tree(project)
    from_file = estimate_for_mode(capped, "pilot")
    assert from_file["source"] == "estimate_file"
    assert from_file["estimate_file"] == str(run.estimate)
    assert {k: from_file[k] for k in same} == {k: built[k] for k in same}
    assert from_file["within_budget"] is False and from_file["budget_usd"] == 1e-9
    assert "above budget_usd" in from_file["budget_message"]
    rebuilt = estimate_for_mode(settings, "pilot", rebuild=True)
    assert rebuilt["source"] == "built" and rebuilt["requests"] == built["requests"]
    assert tree(project) == before and tree(scratch) == []


def test_coded_posts_and_what_a_rerun_pays(
    project: Path, settings: Settings, ledger: Ledger, scratch: Path
) -> None:
    run = build_run(settings, "pilot")
    analysis = analysis_for(settings).id
    ids = pq.read_table(run.selected, columns=["post_id"])["post_id"].to_pylist()

    def dataset(statuses: list[str], of: str = analysis) -> None:
        table = pa.table({"post_id": ids, "status": statuses, "analysis_id": [of] * len(ids)})
        pq.write_table(table, ModePaths("pilot").parquet)

    dataset(["ok"] * 5, of="a99999999999")  # another analysis' dataset says nothing
    assert estimate_for_mode(settings, "pilot")["coded"] is None

    dataset(["ok", "ok", "ok", "failed", "failed"])
    data = estimate_for_mode(settings, "pilot")
    assert data["coded"] == {
        "dataset": str(ModePaths("pilot").parquet),
        "rows": 5,
        "ok": 3,
        "selected": 5,
        "not_coded": 2,
    }
    assert data["rerun"]["chunks"] == 1 and data["rerun"]["requests"] == 5  # never submitted
    assert data["rerun"]["usd_batch"] == data["usd_batch"]

    (chunk,) = run.chunk_files()
    ledger.append("submitted", chunk_sha256=file_sha256(chunk), analysis_id=analysis, attempt=0)
    paid = estimate_for_mode(settings, "pilot")["rerun"]
    assert paid == {"chunks": 0, "requests": 0, "usd_batch": 0.0, "usd_interactive": 0.0}

    dataset(["ok"] * 5)
    done = estimate_for_mode(settings, "pilot")
    assert done["coded"]["not_coded"] == 0 and done["rerun"]["usd_batch"] == 0.0


def test_a_backend_calibrates_the_token_count_on_a_sample(
    settings: Settings, scratch: Path
) -> None:
    class Doubling(FakeBackend):
        def count_tokens(self, model: str, request: dict[str, object]) -> int:
            return 2 * super().count_tokens(model, request)

    plain = estimate_for_mode(settings, "pilot")
    backend = Doubling()
    counted = estimate_for_mode(settings, "pilot", backend=backend)
    assert counted["token_ratio_applied"] == pytest.approx(2.0)
    assert counted["input_tokens"] == pytest.approx(2 * plain["input_tokens"], abs=1)
    assert sum(c.startswith("count_tokens:") for c in backend.calls) == 5
    assert "close" not in backend.calls  # the caller's backend stays open
