"""Filter stage: raw posts → the selection a mode analyses.

Pass 1 streams the input (:mod:`emobatch.posts`), normalises every text and drops, with a
reason, in this order (each batch is judged column by column by
:class:`emobatch.stages.population.Judge`):

- ``duplicate_id``: the id was already seen in an earlier row (the first row with an id is the
  post, whatever happens to it afterwards);
- ``empty_text``: the text is null, empty, or blank after normalisation;
- ``too_long``: longer than ``filter.max_text_chars`` when ``filter.long_text_policy`` is
  ``reject`` (with ``truncate`` the text is cut and flagged ``text_truncated``);
- ``duplicate_text``: with ``filter.drop_duplicate_texts``, the full normalised text equals the
  text of a post kept earlier.

The survivors (the population) go to a temporary Parquet file next to the output. Pass 2 picks
the mode's sample (:mod:`emobatch.sampling`) from it, computes each selected post's analysis key
and marks ``to_submit`` (false when the key is already in the history and
``filter.skip_analysed`` is on). Memory holds a dict of ids (and text digests), not the posts.

Outputs (each written atomically):

``selected`` (Parquet, population order): ``post_id`` string, ``text`` string (normalised,
possibly truncated: the text sent), ``text_truncated`` bool, ``text_chars`` int64 (normalised
length before truncation), ``source_row`` int64, ``analysis_key`` string, ``to_submit`` bool,
then the carried input columns (Parquet types kept; text columns of CSV/TSV/JSONL converted by
:class:`emobatch.posts.CarriedTypes`).

``dropped`` (Parquet): ``source_row`` int64, ``post_id`` string, ``reason`` string, ``detail``
string, one row per dropped input row.

``report`` (JSON, ``format_version`` 1): input (path, sha256, format, bytes, columns, and how
the file was read: ``encoding`` and ``delimiter`` for CSV/TSV, ``encoding`` for JSONL, ``sheet``
for Excel; see :class:`emobatch.posts.InputInfo`), rows read, dropped counts by reason,
duplicate ids (first 1,000 and the total), truncated count, population, the sample-size
computation (``sample``: with ``requested`` and ``available`` posts), mode, seed, selected,
already analysed, to_submit, analysis id, carried column types, ``warnings`` (a list of
sentences, e.g. a mode that asked for more posts than the population has; each is also logged
as a WARNING), start/end timestamps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch import history, posts, sampling
from emobatch.atomic import atomic_path, write_json
from emobatch.config import Settings
from emobatch.identity import analysis_keys_column, file_sha256
from emobatch.stages.population import DROP_REASONS, DROPPED_SCHEMA, Judge

__all__ = ["DROPPED_SCHEMA", "DROP_REASONS", "REPORT_FORMAT_VERSION", "run_filter"]

log = logging.getLogger("emobatch.filter")

REPORT_FORMAT_VERSION = 1
MAX_LISTED_DUPLICATE_IDS = 1000
PROGRESS_EVERY = 100_000
_POPULATION = ".population"  # suffix of the temporary directory of pass 1


def _population_pass(
    settings: Settings, info: posts.InputInfo, population_path: Path, dropped_path: Path
) -> tuple[Judge, posts.CarriedTypes]:
    """Pass 1: stream the input, write the survivors and the dropped rows."""
    inp = settings.input
    state = Judge(settings.filter)
    text_columns = posts.reads_text_columns(info.format)
    typer: posts.CarriedTypes | None = None
    writer: pq.ParquetWriter | None = None
    next_log = PROGRESS_EVERY
    batches = posts.iter_post_batches(
        inp.path,
        fmt=info.format,
        id_column=inp.id_column,
        text_column=inp.text_column,
        encoding=info.encoding or "auto",
        delimiter=info.delimiter or "auto",
        sheet=info.sheet,
        strict_quotes=inp.strict_quotes,
    )
    with pq.ParquetWriter(dropped_path, DROPPED_SCHEMA) as dropped_writer:
        try:
            for batch in batches:
                if typer is None:
                    typer = posts.CarriedTypes(batch.schema.names[3:] if text_columns else [])
                typer.update(batch)
                kept, dropped = state.process(batch)
                if writer is None:  # a temporary file, read once: cheap pages (LZ4, no
                    # dictionary) write ~35% faster; uncompressed ones double pass 2's memory
                    writer = pq.ParquetWriter(
                        population_path, kept.schema, compression="lz4", use_dictionary=False
                    )
                if kept.num_rows:
                    writer.write_batch(kept)
                if dropped.num_rows:
                    dropped_writer.write_batch(dropped)
                if state.rows_read >= next_log:
                    log.info(
                        "read %s rows, dropped %s",
                        f"{state.rows_read:,}",
                        f"{sum(state.dropped.values()):,}",
                    )
                    next_log += PROGRESS_EVERY
        finally:
            if writer is not None:
                writer.close()
    return state, typer or posts.CarriedTypes([])


def _select_pass(
    population_path: Path,
    indices: list[int],
    out_path: Path,
    typer: posts.CarriedTypes,
    analysis: str,
    analysed: set[str],
) -> int:
    """Pass 2: write the selected rows with keys and ``to_submit``; return how many are new."""
    wanted = np.asarray(indices, dtype=np.int64)
    offset, new = 0, 0
    pfile = pq.ParquetFile(population_path)
    writer: pq.ParquetWriter | None = None
    try:
        for batch in pfile.iter_batches(batch_size=65_536):
            lo, hi = np.searchsorted(wanted, [offset, offset + batch.num_rows])
            offset += batch.num_rows
            if hi == lo:
                continue
            local = wanted[lo:hi] - (offset - batch.num_rows)
            part = batch if len(local) == batch.num_rows else batch.take(pa.array(local))
            out = _selected_batch(part, typer, analysis, analysed)
            new += pc.sum(out.column("to_submit")).as_py() or 0
            writer = writer or _selected_writer(out_path, out.schema)
            writer.write_batch(out)
        if writer is None:  # nothing selected: an empty file with the full schema
            empty = pa.RecordBatch.from_pylist([], schema=pfile.schema_arrow)
            out = _selected_batch(empty, typer, analysis, analysed)
            writer = _selected_writer(out_path, out.schema)
    finally:
        if writer is not None:
            writer.close()
    return new


def _selected_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    return pq.ParquetWriter(path, schema, use_dictionary=history.dictionary_columns(schema))


def _selected_batch(
    part: pa.RecordBatch, typer: posts.CarriedTypes, analysis: str, analysed: set[str]
) -> pa.RecordBatch:
    keys = analysis_keys_column(part.column("post_id"), part.column("text"), analysis)
    columns = {
        name: part.column(name)
        for name in ("post_id", "text", "text_truncated", "text_chars", "source_row")
    }
    columns["analysis_key"] = keys
    columns["to_submit"] = pa.array(
        [k not in analysed for k in keys.to_pylist()] if analysed else [True] * len(keys),
        pa.bool_(),
    )
    carried = set(typer.types())
    for name in part.schema.names[5:]:
        col = part.column(name)
        columns[name] = typer.cast(name, col) if name in carried else col
    return pa.RecordBatch.from_pydict(columns)


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def run_filter(
    settings: Settings,
    mode: str,
    *,
    analysis: str,
    out_selected: Path | str,
    out_report: Path | str,
    out_dropped: Path | str,
) -> dict[str, Any]:
    """Filter and select the posts of ``mode``; write the three outputs; return the report."""
    started, clock = _timestamp(), time.monotonic()
    out_selected, out_report = Path(out_selected), Path(out_report)
    inp = settings.input
    sampling.sample_plan(settings, mode, 0)  # an unknown mode fails before the input is read
    info = _resolve_input(settings)
    how = ", ".join(f"{k} {v!r}" for k, v in info.as_dict().items())
    log.info("filtering %s (%s) for mode %s, analysis %s", inp.path, how, mode, analysis)
    out_selected.parent.mkdir(parents=True, exist_ok=True)
    for stale in out_selected.parent.glob(f".{out_selected.name}.*{_POPULATION}"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a killed run
    with contextlib.ExitStack() as stack:
        tmp_dir = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix=f".{out_selected.name}.", suffix=_POPULATION, dir=out_selected.parent
                )
            )
        )
        population_path = tmp_dir / "population.parquet"
        with atomic_path(out_dropped) as dropped_tmp:
            state, typer = _population_pass(settings, info, population_path, dropped_tmp)
        state.forget_seen()  # pass 2 needs only the counts: free the ids before it starts
        population = state.rows_read - sum(state.dropped.values())
        plan = sampling.sample_plan(settings, mode, population)
        warnings = [w for w in [sampling.shortfall(plan)] if w]
        for warning in warnings:
            log.warning("%s", warning)
        indices = sampling.select_indices(population, plan["size"], settings.sampling.seed)
        analysed = (
            history.analysed_keys(settings.history_dir)
            if (settings.filter.skip_analysed)
            else set()
        )
        with atomic_path(out_selected) as selected_tmp:
            new = _select_pass(population_path, indices, selected_tmp, typer, analysis, analysed)
    report = _report(
        settings,
        mode,
        analysis,
        info,
        state,
        plan,
        len(indices),
        new,
        typer,
        started,
        time.monotonic() - clock,
    )
    report["warnings"] = warnings
    report["outputs"] = {
        "selected": str(out_selected),
        "dropped": str(out_dropped),
        "report": str(out_report),
    }
    write_json(out_report, report)
    _log_summary(report)
    return report


def _resolve_input(settings: Settings) -> posts.InputInfo:
    """How the input is read (an ``auto`` encoding or delimiter is detected once, here)."""
    inp = settings.input
    info = posts.resolve_input(
        inp.path,
        fmt=inp.format,
        id_column=inp.id_column,
        text_column=inp.text_column,
        encoding=inp.encoding,
        delimiter=inp.delimiter,
        sheet=inp.sheet,
    )
    if inp.encoding == "auto" and info.encoding == "cp949":
        log.info(
            "%s is not UTF-8 but decodes as CP949 (EUC-KR, Korean Excel's default): "
            "reading it as cp949",
            inp.path,
        )
    return info


def _report(
    settings: Settings,
    mode: str,
    analysis: str,
    info: posts.InputInfo,
    state: Judge,
    plan: dict[str, Any],
    selected: int,
    new: int,
    typer: posts.CarriedTypes,
    started: str,
    seconds: float,
) -> dict[str, Any]:
    inp, rules = settings.input, settings.filter
    duplicate_ids = list(state.duplicate_ids)
    return {
        "format_version": REPORT_FORMAT_VERSION,
        "mode": mode,
        "analysis_id": analysis,
        "input": {
            "path": str(inp.path),
            "sha256": file_sha256(inp.path),
            **info.as_dict(),
            "bytes": Path(inp.path).stat().st_size,
            "id_column": inp.id_column,
            "text_column": inp.text_column,
        },
        "filter": {
            "drop_duplicate_texts": rules.drop_duplicate_texts,
            "max_text_chars": rules.max_text_chars,
            "long_text_policy": rules.long_text_policy,
            "skip_analysed": rules.skip_analysed,
        },
        "rows_read": state.rows_read,
        "dropped": dict(state.dropped),
        "dropped_total": sum(state.dropped.values()),
        "duplicate_ids": {
            "total": len(duplicate_ids),
            "ids": duplicate_ids[:MAX_LISTED_DUPLICATE_IDS],
            "listed": min(len(duplicate_ids), MAX_LISTED_DUPLICATE_IDS),
        },
        "truncated": state.truncated,
        "population": plan["population"],
        "sample": plan,
        "seed": settings.sampling.seed,
        "selected": selected,
        "already_analysed": selected - new,
        "to_submit": new,
        "carried_columns": {name: str(kind) for name, kind in typer.types().items()},
        "started_at": started,
        "finished_at": _timestamp(),
        "seconds": round(seconds, 3),
    }


def _log_summary(report: dict[str, Any]) -> None:
    dropped = ", ".join(f"{k} {v:,}" for k, v in report["dropped"].items() if v) or "none"
    log.info(
        "read %s rows; dropped %s (%s); truncated %s",
        f"{report['rows_read']:,}",
        f"{report['dropped_total']:,}",
        dropped,
        f"{report['truncated']:,}",
    )
    log.info(
        "population %s; mode %s selects %s (%s); %s already analysed; %s to submit",
        f"{report['population']:,}",
        report["mode"],
        f"{report['selected']:,}",
        report["sample"]["method"],
        f"{report['already_analysed']:,}",
        f"{report['to_submit']:,}",
    )
