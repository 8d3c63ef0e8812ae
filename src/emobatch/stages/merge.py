"""The mode's dataset: one row per selected post, with this run's and earlier results.

Writes ``results/<mode>.parquet`` and ``results/<mode>.csv`` (UTF-8 with a BOM so Excel on
Korean Windows opens it), atomically, and adds the rows coded for the first time to the
analysis history (so later runs and other modes skip them). Column order: identity, result
columns (see ``emobatch.stages.parse``), provenance (``analysis_key``, ``analysis_id``,
``codebook_version``, ``model``, ``analysed_at``, ``result_source`` = this_run | history), input
flags (``text_truncated``, ``text_chars``, ``source_row``), then every carried input column.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from emobatch import history
from emobatch.atomic import atomic_path
from emobatch.crashpoints import crashpoint
from emobatch.errors import CoverageError
from emobatch.logs import batch_event
from emobatch.stages.parse import RESULT_COLUMNS, result_schema

log = logging.getLogger("emobatch.merge")
PROVENANCE = ("analysis_key", "analysis_id", "codebook_version", "model", "analysed_at",
              "result_source")
OWN_INPUT = ("post_id", "text", "text_truncated", "text_chars", "source_row", "analysis_key",
             "to_submit")
UTF8_BOM = b"\xef\xbb\xbf"


def _parsed_table(parsed: Sequence[Path]) -> pa.Table:
    tables = [pq.read_table(p) for p in parsed]
    if not tables:
        return result_schema().empty_table()
    return pa.concat_tables(tables, promote_options="permissive")


def merge_mode(
    *,
    mode: str,
    selected: Path,
    parsed: Sequence[Path],
    history_dir: Path,
    analysis: str,
    codebook_version: str,
    model: str,
    out_parquet: Path,
    out_csv: Path,
) -> dict[str, Any]:
    """Build and write the dataset; returns counts for the summary."""
    sel = pq.read_table(selected)
    sel = sel.append_column("_order", pa.array(range(sel.num_rows), pa.int64()))
    new = _parsed_table(parsed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    fresh_sel = sel.filter(pc.equal(sel["to_submit"], True))
    reused_sel = sel.filter(pc.equal(sel["to_submit"], False))

    # rows coded in this run: parsed rows joined on post_id
    fresh = fresh_sel.select(["post_id", "analysis_key", "_order"]).join(
        new, keys="post_id", join_type="left outer")
    missing = fresh.filter(pc.is_null(fresh["status"]))
    if missing.num_rows:
        ids = missing["post_id"].to_pylist()[:10]
        raise CoverageError(
            f"{missing.num_rows} selected post(s) have no parsed result (e.g. {ids}); a chunk's "
            "results are missing",
            hint="re-run the same command; if it persists, check results/<mode>/<analysis>/parsed",
        )
    fresh = _with_provenance(fresh, analysis, codebook_version, model, now, "this_run")

    # rows reused from the history
    parts = [fresh]
    if reused_sel.num_rows:
        keys = set(reused_sel["analysis_key"].to_pylist())
        old = history.read_rows(history_dir, keys)
        got = set() if old is None else set(old["analysis_key"].to_pylist())
        if keys - got:
            raise CoverageError(
                f"{len(keys - got)} post(s) were marked as analysed but their rows are not in "
                f"the history at {history_dir}",
                hint=f"the history was changed by hand; re-run with --config "
                f"'filter={{\"skip_analysed\": false}}' or restore {history_dir}",
            )
        old = old.select([c for c in (*RESULT_COLUMNS, *PROVENANCE) if c in old.column_names
                          and c != "post_id"])
        reused = reused_sel.select(["post_id", "analysis_key", "_order"]).join(
            old, keys="analysis_key", join_type="left outer")
        reused = reused.set_column(reused.schema.get_field_index("result_source"),
                                   "result_source",
                                   pa.array(["history"] * reused.num_rows, pa.string()))
        parts.append(reused)
    results = pa.concat_tables([p.select(_result_cols()) for p in parts],
                               promote_options="permissive")

    inputs = sel.drop_columns(["to_submit", "analysis_key"])
    table = inputs.join(results, keys="_order", join_type="inner").sort_by("_order")
    if table.num_rows != sel.num_rows:
        raise CoverageError(f"merge produced {table.num_rows} rows for {sel.num_rows} posts")
    carried = [c for c in inputs.column_names if c not in OWN_INPUT and c != "_order"]
    order = ["post_id", "text", *[c for c in RESULT_COLUMNS if c != "post_id"], *PROVENANCE,
             "text_truncated", "text_chars", "source_row", *carried]
    table = table.select(order)

    with atomic_path(out_parquet) as tmp:
        pq.write_table(table, tmp)
    with atomic_path(out_csv) as tmp, open(tmp, "wb") as fh:
        fh.write(UTF8_BOM)
        pacsv.write_csv(table, fh)
    crashpoint("during_merge")  # the dataset is written, the history not yet

    # history: rows coded for the first time in this run
    known = history.analysed_keys(history_dir)
    fresh_hist = fresh.filter(pc.invert(pc.is_in(fresh["analysis_key"],
                                                 value_set=pa.array(sorted(known), pa.string()))))
    fresh_hist = fresh_hist.drop_columns(["_order"]).append_column(
        "mode", pa.array([mode] * fresh_hist.num_rows, pa.string()))
    part = history.append_part(history_dir, fresh_hist, mode=mode, analysis=analysis)

    ok = pc.sum(pc.equal(table["status"], "ok")).as_py() or 0
    counts = {
        "mode": mode,
        "analysis_id": analysis,
        "posts": table.num_rows,
        "ok": ok,
        "failed": table.num_rows - ok,
        "this_run": fresh.num_rows,
        "from_history": table.num_rows - fresh.num_rows,
        "history_part": str(part) if part else None,
    }
    batch_event("merge", "%s: %d posts (%d ok, %d failed; %d coded now, %d from history) -> %s",
                mode, counts["posts"], counts["ok"], counts["failed"], counts["this_run"],
                counts["from_history"], out_parquet)
    return counts


def _result_cols() -> list[str]:
    return ["_order", "analysis_key", *[c for c in RESULT_COLUMNS if c != "post_id"],
            *[c for c in PROVENANCE if c != "analysis_key"]]


def _with_provenance(t: pa.Table, analysis: str, codebook_version: str, model: str,
                     now: dt.datetime, source: str) -> pa.Table:
    n = t.num_rows
    return (t.append_column("analysis_id", pa.array([analysis] * n, pa.string()))
             .append_column("codebook_version", pa.array([codebook_version] * n, pa.string()))
             .append_column("model", pa.array([model] * n, pa.string()))
             .append_column("analysed_at", pa.array([now] * n, pa.timestamp("s", tz="UTC")))
             .append_column("result_source", pa.array([source] * n, pa.string())))
