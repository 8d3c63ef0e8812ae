"""The mode's dataset: every selected post once, this run's rows and the history's, provenance,
an Excel- and R-friendly CSV, and the history part for rows coded for the first time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from emobatch import history
from emobatch.errors import CoverageError
from emobatch.stages.merge import PROVENANCE, merge_mode
from emobatch.stages.parse import RESULT_COLUMNS
from tests.pipeline.outputs import parsed_rows, selection, write_parquet

ENGINE = "lexicon:emobatch-lexicon-1.0.0"


def _merge(tmp_path: Path, selected: Path, parsed: list[Path], **kw: Any) -> dict[str, Any]:
    out = tmp_path / "out"
    args: dict[str, Any] = {
        "mode": "pilot",
        "selected": selected,
        "parsed": parsed,
        "history_dir": tmp_path / "history",
        "analysis": "a1",
        "codebook_version": "cb1",
        "model": "gemini-3.1-flash-lite",
        "engine": ENGINE,
        "out_parquet": out / "pilot.parquet",
        "out_csv": out / "pilot.csv",
        "out_columns": out / "pilot.columns.csv",
    }
    return merge_mode(**{**args, **kw})


def test_this_runs_rows_with_provenance_flags_and_carried_columns(tmp_path: Path) -> None:
    keys = ["p1", "p2", "p3"]
    selected = write_parquet(tmp_path / "selected.parquet", selection(keys))
    # two chunks, in selection order
    parsed = [
        write_parquet(tmp_path / "c0.parquet", parsed_rows(["p1", "p2"])),
        write_parquet(
            tmp_path / "c1.parquet",
            parsed_rows(["p3"], status=["failed"], error_reason=["api_error"]),
        ),
    ]
    counts = _merge(tmp_path, selected, parsed)
    assert {k: counts[k] for k in ("posts", "ok", "failed", "this_run", "from_history")} == {
        "posts": 3,
        "ok": 2,
        "failed": 1,
        "this_run": 3,
        "from_history": 0,
    }
    assert counts["engine"] == ENGINE and counts["history_part"]
    df = pd.read_parquet(tmp_path / "out" / "pilot.parquet")
    assert list(df.columns) == [
        "post_id",
        "text",
        *[c for c in RESULT_COLUMNS if c != "post_id"],
        *PROVENANCE,
        "text_truncated",
        "text_chars",
        "source_row",
        "likes",
        "platform",
    ]
    assert list(df["post_id"]) == keys and df["post_id"].is_unique
    assert set(df["result_source"]) == {"this_run"} and set(df["engine"]) == {ENGINE}
    assert set(df["analysis_id"]) == {"a1"} and set(df["codebook_version"]) == {"cb1"}
    assert list(df["analysis_key"]) == ["a1:p1", "a1:p2", "a1:p3"]
    assert df["validation_override"].isna().all() and df["analysed_at"].notna().all()
    assert list(df["likes"]) == [0, 1, 2] and list(df["status"]) == ["ok", "ok", "failed"]
    # the CSV: a BOM for Excel, the same rows; the column types for R next to it
    csv = (tmp_path / "out" / "pilot.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(tmp_path / "out" / "pilot.csv", encoding="utf-8-sig")
    csv_names = [c if c != "analysed_at" else "analysed_at_utc" for c in df.columns]
    assert len(back) == 3 and list(back.columns) == csv_names
    assert list(back["status"]) == ["ok", "ok", "failed"]
    types = pd.read_csv(tmp_path / "out" / "pilot.columns.csv")
    assert list(types["column"]) == csv_names
    # the history holds the ok rows coded now, with the mode
    assert history.analysed_keys(tmp_path / "history") == {"a1:p1", "a1:p2"}
    (part,) = (tmp_path / "history").glob("part-pilot-a1-*.parquet")
    assert set(pq.read_table(part)["mode"].to_pylist()) == {"pilot"}


def test_history_rows_are_reused_in_selection_order_and_not_written_twice(tmp_path: Path) -> None:
    first = write_parquet(tmp_path / "first.parquet", selection(["p1", "p2"]))
    _merge(
        tmp_path,
        first,
        [write_parquet(tmp_path / "c0.parquet", parsed_rows(["p1", "p2"], batch_job=["j1"] * 2))],
    )
    # the next mode: p1 and p2 come from the history, p3 (between them) is coded now
    later = write_parquet(
        tmp_path / "later.parquet",
        selection(["p1", "p3", "p2"], to_submit=[False, True, False]),
    )
    parsed = [write_parquet(tmp_path / "c1.parquet", parsed_rows(["p3"], batch_job=["j2"]))]
    reason = "pilot study"
    counts = _merge(
        tmp_path,
        later,
        parsed,
        mode="full",
        out_parquet=tmp_path / "out" / "full.parquet",
        out_csv=tmp_path / "out" / "full.csv",
        validation_override=reason,
    )
    assert (counts["posts"], counts["this_run"], counts["from_history"]) == (3, 1, 2)
    df = pd.read_parquet(tmp_path / "out" / "full.parquet")
    assert list(df["post_id"]) == ["p1", "p3", "p2"]
    assert list(df["result_source"]) == ["history", "this_run", "history"]
    assert list(df["batch_job"]) == ["j1", "j2", "j1"]
    assert set(df["validation_override"]) == {reason}  # reused rows carry it too
    assert history.analysed_keys(tmp_path / "history") == {"a1:p1", "a1:p2", "a1:p3"}
    (pilot,) = (tmp_path / "history").glob("part-pilot-*.parquet")
    (full,) = (tmp_path / "history").glob("part-full-*.parquet")
    assert pq.read_metadata(pilot).num_rows == 2
    assert pq.read_table(full)["post_id"].to_pylist() == ["p3"]  # only p3 is new


def test_nothing_to_submit_still_writes_a_dataset_and_no_history_part(tmp_path: Path) -> None:
    first = write_parquet(tmp_path / "first.parquet", selection(["p1"]))
    _merge(tmp_path, first, [write_parquet(tmp_path / "c0.parquet", parsed_rows(["p1"]))])
    again = write_parquet(tmp_path / "again.parquet", selection(["p1"], to_submit=[False]))
    counts = _merge(tmp_path, again, [])
    assert counts["history_part"] is None and counts["from_history"] == 1
    assert len(list((tmp_path / "history").glob("part-*.parquet"))) == 1


def test_an_empty_selection_writes_valid_empty_files(tmp_path: Path) -> None:
    selected = write_parquet(tmp_path / "selected.parquet", selection([]))
    counts = _merge(tmp_path, selected, [])
    assert counts["posts"] == 0
    df = pd.read_parquet(tmp_path / "out" / "pilot.parquet")
    assert len(df) == 0 and "primary_emotion" in df.columns and "platform" in df.columns
    assert (tmp_path / "out" / "pilot.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("parsed_keys", "needle"),
    [
        (["p1"], "selected post(s) have no parsed result"),
        (["p2", "p1"], "out of order"),
        (["p1", "p2", "p9"], "1 parsed row(s) belong to no selected post"),
    ],
)
def test_parsed_rows_that_do_not_match_the_selection_are_refused(
    tmp_path: Path, parsed_keys: list[str], needle: str
) -> None:
    selected = write_parquet(tmp_path / "selected.parquet", selection(["p1", "p2"]))
    parsed = [write_parquet(tmp_path / "c0.parquet", parsed_rows(parsed_keys))]
    with pytest.raises(CoverageError) as info:
        _merge(tmp_path, selected, parsed)
    assert needle in str(info.value)
    assert not list((tmp_path / "history").glob("part-*.parquet"))  # nothing half-written
    assert not (tmp_path / "out" / "pilot.parquet").exists()


def test_reused_rows_missing_from_the_history_are_refused(tmp_path: Path) -> None:
    selected = write_parquet(tmp_path / "selected.parquet", selection(["p1"], to_submit=[False]))
    with pytest.raises(CoverageError, match="marked as analysed but their rows are not in"):
        _merge(tmp_path, selected, [])


def test_history_rows_of_another_engine_are_never_reused(tmp_path: Path) -> None:
    first = write_parquet(tmp_path / "first.parquet", selection(["p1"]))
    _merge(tmp_path, first, [write_parquet(tmp_path / "c0.parquet", parsed_rows(["p1"]))])
    again = write_parquet(tmp_path / "again.parquet", selection(["p1"], to_submit=[False]))
    with pytest.raises(CoverageError) as info:
        _merge(tmp_path, again, [], engine="gemini:gemini-3.1-flash-lite")
    assert "not by gemini:gemini-3.1-flash-lite; they are not reused" in str(info.value)
