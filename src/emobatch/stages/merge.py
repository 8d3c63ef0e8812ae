"""The mode's dataset: one row per selected post, with this run's and earlier results.

Writes ``results/<mode>.parquet`` and ``results/<mode>.csv`` (UTF-8 with a BOM so Excel on
Korean Windows opens it; booleans, times and column types as R reads them, see
``emobatch.r_csv``) and ``results/<mode>.columns.csv``, atomically, and adds the rows coded
for the first time to the analysis history (so later runs and other modes skip them). Column
order: identity, result columns (see ``emobatch.stages.parse``), provenance (``analysis_key``,
``analysis_id``, ``codebook_version``, ``model`` (requested), ``engine`` (what coded the row:
``lexicon:emobatch-lexicon-<version>`` or ``gemini:<model>``), ``analysed_at``, ``result_source`` =
this_run | history, ``validation_override``: the reason recorded when ``full`` ran past a closed
validation gate), input
flags (``text_truncated``, ``text_chars``, ``source_row``), then every carried input column.

It streams: the selected posts are read in record batches, and the parsed chunks are consumed
in the same order (chunks are written in selection order, one line per post to submit), so
memory stays flat from a thousand to a million posts. Every row's post id is checked against
the parsed row it is paired with; a missing or extra parsed row is a CoverageError.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch import history
from emobatch.atomic import atomic_path
from emobatch.crashpoints import crashpoint
from emobatch.errors import CoverageError
from emobatch.logs import batch_event
from emobatch.r_csv import RCsvWriter, write_column_types
from emobatch.replicates import REPLICATE_COLUMNS, collapse
from emobatch.stages.parse import RESULT_COLUMNS, result_schema

log = logging.getLogger("emobatch.merge")
PROVENANCE = (
    "analysis_key",
    "analysis_id",
    "codebook_version",
    "model",
    "engine",
    "analysed_at",
    "result_source",
    "validation_override",
)
OWN_INPUT = (
    "post_id",
    "text",
    "text_truncated",
    "text_chars",
    "source_row",
    "analysis_key",
    "to_submit",
)
UTF8_BOM = b"\xef\xbb\xbf"
# rows per step: 1M posts peak at ~410 MiB (65,536 rows: ~590 MiB; bench/bench_pipeline.py)
BATCH_ROWS = 16_384


class ParsedStream:
    """The parsed rows of all chunks, in order, handed out ``n`` at a time."""

    def __init__(self, parsed: Sequence[Path]) -> None:
        self._batches: Iterator[pa.RecordBatch] = (
            b for p in parsed for b in pq.ParquetFile(p).iter_batches(batch_size=BATCH_ROWS)
        )
        self._buffer: pa.Table = result_schema().empty_table()

    def take(self, n: int) -> pa.Table:
        while self._buffer.num_rows < n:
            batch = next(self._batches, None)
            if batch is None:
                break
            self._buffer = pa.concat_tables(
                [self._buffer, pa.Table.from_batches([batch])], promote_options="permissive"
            )
        out, self._buffer = self._buffer.slice(0, n), self._buffer.slice(n)
        return out

    def leftover(self) -> int:
        buffered: int = self._buffer.num_rows
        unread: int = sum(b.num_rows for b in self._batches)
        return buffered + unread


def _const(value: Any, n: int, type_: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), n)


def merge_mode(
    *,
    mode: str,
    selected: Path,
    parsed: Sequence[Path],
    history_dir: Path,
    analysis: str,
    codebook_version: str,
    model: str,
    engine: str,
    out_parquet: Path,
    out_csv: Path,
    validation_override: str | None = None,
    out_columns: Path | None = None,
    repeats: int = 1,
) -> dict[str, Any]:
    """Build and write the dataset; returns counts for the summary."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    sel_file = pq.ParquetFile(selected)
    sel_names = sel_file.schema_arrow.names
    carried = [c for c in sel_names if c not in OWN_INPUT]
    order = [
        "post_id",
        "text",
        *[c for c in RESULT_COLUMNS if c != "post_id"],
        *(REPLICATE_COLUMNS if repeats > 1 else ()),
        *PROVENANCE,
        "text_truncated",
        "text_chars",
        "source_row",
        *carried,
    ]

    flags = sel_file.read(columns=["analysis_key", "to_submit"])  # (no pyarrow.dataset)
    reused_keys = set(flags.filter(pc.invert(flags["to_submit"]))["analysis_key"].to_pylist())
    del flags
    old = _history_rows(history_dir, reused_keys, engine)
    known = history.analysed_keys(history_dir)

    stream = ParsedStream(parsed)
    replicated = REPLICATE_COLUMNS if repeats > 1 else ()
    counts = {"posts": 0, "ok": 0, "this_run": 0, "from_history": 0}
    known_keys = pa.array(sorted(known), pa.string()) if known else None
    # rows coded now go to a new history part, streamed to a temporary file and put in place
    # only after the dataset itself is written
    part_writer = history.PartWriter(history_dir, mode=mode, analysis=analysis)
    with atomic_path(out_parquet) as tmp_parquet, atomic_path(out_csv) as tmp_csv:
        writer: pq.ParquetWriter | None = None
        with open(tmp_csv, "wb") as csv_fh:
            csv_fh.write(UTF8_BOM)
            csv_writer = RCsvWriter(csv_fh, times_in=carried)  # only input columns hold times
            for batch in sel_file.iter_batches(batch_size=BATCH_ROWS):
                table = _merge_batch(
                    pa.Table.from_batches([batch]),
                    stream,
                    old,
                    analysis,
                    codebook_version,
                    model,
                    engine,
                    now,
                    validation_override,
                    repeats,
                ).select(order)
                if writer is None:
                    writer = pq.ParquetWriter(
                        tmp_parquet,
                        table.schema,
                        use_dictionary=history.dictionary_columns(table.schema),
                    )
                    schema = table.schema
                writer.write_table(table)
                csv_writer.write(table)
                _count(table, counts)
                fresh = table.filter(pc.equal(table["result_source"], "this_run"))
                if known_keys is not None:
                    new = pc.invert(pc.is_in(fresh["analysis_key"], value_set=known_keys))
                    fresh = fresh.filter(new)
                fresh = fresh.select([*RESULT_COLUMNS, *replicated, *PROVENANCE])
                part_writer.write(
                    fresh.append_column("mode", _const(mode, fresh.num_rows, pa.string()))
                )
            if writer is None:  # no selected posts at all: still write valid, empty files
                empty = _empty(order, sel_file.schema_arrow)
                writer = pq.ParquetWriter(tmp_parquet, empty.schema)
                csv_writer.write(empty)
                schema = empty.schema
            writer.close()
        extra = stream.leftover()
        if extra:
            part_writer.close(ok=False)
            raise CoverageError(
                f"{extra} parsed row(s) belong to no selected post",
                hint="the parsed chunks do not match the selection; delete results/<mode>/"
                "<analysis>/chunks and re-run (the ledger prevents paying again)",
            )
    if out_columns is not None:
        write_column_types(schema, out_columns)
    crashpoint("during_merge")  # the dataset is written, the history not yet

    part = part_writer.close()
    result = {
        "mode": mode,
        "analysis_id": analysis,
        "engine": engine,
        "posts": counts["posts"],
        "ok": counts["ok"],
        "failed": counts["posts"] - counts["ok"],
        "this_run": counts["this_run"],
        "from_history": counts["from_history"],
        "history_part": str(part) if part else None,
    }
    batch_event(
        "merge",
        "(%s): %d posts (%d ok, %d failed; %d coded now, %d from history) -> %s",
        engine,
        result["posts"],
        result["ok"],
        result["failed"],
        result["this_run"],
        result["from_history"],
        out_parquet,
    )
    return result


def _count(table: pa.Table, counts: dict[str, int]) -> None:
    counts["posts"] += table.num_rows
    counts["ok"] += pc.sum(pc.equal(table["status"], "ok")).as_py() or 0
    this_run = pc.sum(pc.equal(table["result_source"], "this_run")).as_py() or 0
    counts["this_run"] += this_run
    counts["from_history"] += table.num_rows - this_run


def _history_rows(history_dir: Path, keys: set[str], engine: str) -> pa.Table | None:
    if not keys:
        return None
    old = history.read_rows(history_dir, keys)
    got = set() if old is None else set(old["analysis_key"].to_pylist())
    if old is None or keys - got:  # keys is not empty, so no history means missing rows
        raise CoverageError(
            f"{len(keys - got)} post(s) were marked as analysed but their rows are not in the "
            f"history at {history_dir}",
            hint="the history was changed by hand; re-run with --config "
            "'filter={\"skip_analysed\": false}' or restore the history folder",
        )
    # defence in depth: the analysis key already holds the engine, so this cannot happen unless
    # the history was edited; a row never claims an engine that did not code it
    engines = set(old["engine"].to_pylist()) if "engine" in old.column_names else {None}
    if engines != {engine}:
        raise CoverageError(
            f"history rows for this analysis were coded by {sorted(map(str, engines))}, not by "
            f"{engine}; they are not reused",
            hint="the history was changed by hand; restore it, or re-run with --config "
            "'filter={\"skip_analysed\": false}' to code these posts again",
        )
    cols = [
        c
        for c in (*RESULT_COLUMNS, *REPLICATE_COLUMNS, *PROVENANCE)
        if c in old.column_names and c != "post_id"
    ]
    return old.select(cols)


def _merge_batch(
    sel: pa.Table,
    stream: ParsedStream,
    old: pa.Table | None,
    analysis: str,
    codebook_version: str,
    model: str,
    engine: str,
    now: dt.datetime,
    validation_override: str | None = None,
    repeats: int = 1,
) -> pa.Table:
    """Result columns for one batch of selected posts, in the batch's order."""
    submit_mask = sel["to_submit"]
    fresh_sel = sel.filter(submit_mask)
    fresh = collapse(stream.take(fresh_sel.num_rows * repeats), repeats)
    if fresh.num_rows != fresh_sel.num_rows or (
        fresh.num_rows and not pc.all(pc.equal(fresh["post_id"], fresh_sel["post_id"])).as_py()
    ):
        got = set(fresh["post_id"].to_pylist())
        missing = [p for p in fresh_sel["post_id"].to_pylist() if p not in got][:10]
        raise CoverageError(
            f"selected post(s) have no parsed result or results are out of order "
            f"(e.g. {missing or fresh_sel['post_id'].to_pylist()[:3]})",
            hint="re-run the same command; if it persists, delete results/<mode>/<analysis>/"
            "parsed and re-run (nothing is submitted again)",
        )
    n = fresh.num_rows
    fresh = (
        fresh.drop_columns(["post_id"])
        .append_column("analysis_key", fresh_sel["analysis_key"])
        .append_column("analysis_id", _const(analysis, n, pa.string()))
        .append_column("codebook_version", _const(codebook_version, n, pa.string()))
        .append_column("model", _const(model, n, pa.string()))
        .append_column("engine", _const(engine, n, pa.string()))
        .append_column("analysed_at", _const(now, n, pa.timestamp("s", tz="UTC")))
        .append_column("result_source", _const("this_run", n, pa.string()))
        .append_column("validation_override", _const(validation_override, n, pa.string()))
    )
    parts = [fresh]
    reused_sel = sel.filter(pc.invert(submit_mask))
    if reused_sel.num_rows:
        assert old is not None  # guaranteed by _history_rows
        idx = pc.index_in(reused_sel["analysis_key"], value_set=old["analysis_key"])
        reused = old.take(idx)
        reused = reused.set_column(
            reused.schema.get_field_index("result_source"),
            "result_source",
            _const("history", reused.num_rows, pa.string()),
        )
        override = _const(validation_override, reused.num_rows, pa.string())
        if "validation_override" in reused.column_names:
            idx = reused.schema.get_field_index("validation_override")
            reused = reused.set_column(idx, "validation_override", override)
        else:
            reused = reused.append_column("validation_override", override)
        parts.append(reused.select(fresh.column_names).cast(fresh.schema))
    results = pa.concat_tables(parts)
    # back to selection order: fresh rows first, then reused, as placed by the mask
    positions = pc.if_else(
        submit_mask,
        pc.subtract(pc.cumulative_sum(pc.cast(submit_mask, pa.int64())), 1),
        pc.add(pc.subtract(pc.cumulative_sum(pc.cast(pc.invert(submit_mask), pa.int64())), 1), n),
    )
    results = results.take(positions)
    inputs = sel.drop_columns(["to_submit", "analysis_key"])
    for name in results.column_names:
        inputs = inputs.append_column(name, results[name])
    return inputs


def _empty(order: list[str], sel_schema: pa.Schema) -> pa.Table:
    fields = {f.name: f for f in result_schema()}
    prov = {
        "analysis_key": pa.string(),
        "analysis_id": pa.string(),
        "codebook_version": pa.string(),
        "model": pa.string(),
        "engine": pa.string(),
        "analysed_at": pa.timestamp("s", tz="UTC"),
        "result_source": pa.string(),
        "validation_override": pa.string(),
        "replicates": pa.int32(),
        "modal_primary_emotion": pa.string(),
        "modal_sentiment": pa.string(),
        "replicate_agreement": pa.float64(),
    }
    schema = pa.schema(
        [
            fields[c] if c in fields else pa.field(c, prov[c]) if c in prov else sel_schema.field(c)
            for c in order
        ]
    )
    return schema.empty_table()
