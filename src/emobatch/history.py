"""The analysis history: every post analysed, with its analysis key, job and date.

Layout (format version 1): ``<history_dir>/part-<mode>-<analysis id>-<utc stamp>-<n>.parquet``.
Each merge adds one part atomically, holding the rows it coded for the first time; parts are never
rewritten, so a crash can lose at most the part being written (and the rerun writes it again).
Readers take the union of all parts; when a key occurs in several parts the newest ``ok`` row wins.

Columns: the result columns of the dataset (see ``emobatch.stages.parse``; ``model_routed`` and
``engine`` from format version 2 of the dataset on) plus ``analysis_key``,
``analysis_id``, ``mode`` and ``analysed_at``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from emobatch.atomic import atomic_path, fsync_dir

FORMAT_VERSION = 1
PART_GLOB = "part-*.parquet"


def _parts(history_dir: Path) -> list[Path]:
    return sorted(Path(history_dir).glob(PART_GLOB))


def analysed_keys(history_dir: Path | str) -> set[str]:
    """Keys of posts with an ``ok`` result in the history (failed rows are not 'analysed')."""
    parts = _parts(Path(history_dir))
    if not parts:
        return set()
    keys: set[str] = set()
    for part in parts:  # ParquetFile, not pyarrow.dataset: importing that costs ~0.4 s
        table = pq.ParquetFile(part).read(columns=["analysis_key", "status"])
        keys.update(table.filter(pc.equal(table["status"], "ok"))["analysis_key"].to_pylist())
    return keys


def read_rows(history_dir: Path | str, keys: set[str]) -> pa.Table | None:
    """The newest ``ok`` history row of each key in ``keys`` (None when the history is empty)."""
    parts = _parts(Path(history_dir))
    if not parts or not keys:
        return None
    tables = []
    for part in parts:  # oldest first; later parts override earlier ones
        t = pq.ParquetFile(part).read()
        t = t.filter(pc.equal(t["status"], "ok"))
        t = t.filter(pc.is_in(t.column("analysis_key"), value_set=pa.array(sorted(keys))))
        if t.num_rows:
            tables.append(t)
    if not tables:
        return None
    table = pa.concat_tables(tables, promote_options="permissive")
    # keep the last occurrence of each key
    keys_col = table.column("analysis_key").to_pylist()
    last: dict[str, int] = {k: i for i, k in enumerate(keys_col)}
    return table.take(pa.array(sorted(last.values())))


def append_part(
    history_dir: Path | str, table: pa.Table, *, mode: str, analysis: str
) -> Path | None:
    """Write ``table`` as a new history part atomically; returns its path (None if empty)."""
    if table.num_rows == 0:
        return None
    history_dir = Path(history_dir)
    history_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    n = len(_parts(history_dir))
    target = history_dir / f"part-{mode}-{analysis}-{stamp}-{n:05d}.parquet"
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


#: columns whose values are (nearly) all different: a dictionary page would be built and thrown
#: away for each of them (about half the write time of a merged dataset)
DISTINCT_COLUMNS = frozenset(
    {"post_id", "text", "analysis_key", "rationale", "response_id", "error_detail", "source_row"}
)


def dictionary_columns(schema: pa.Schema) -> list[str]:
    """The columns of ``schema`` worth dictionary-encoding in Parquet: all but
    :data:`DISTINCT_COLUMNS` (carried input columns keep it: their values are unknown)."""
    return [name for name in schema.names if name not in DISTINCT_COLUMNS]


class PartWriter:
    """Streams one new history part; it appears (atomically) only when closed with ``ok``.

    Rows go to ``.part-<mode>-<analysis>.tmp`` at once (memory stays flat), which is fsynced and
    renamed into place by ``close``. One merge per mode and analysis runs at a time (Snakemake
    locks the target), so a temporary file of that name is debris of a killed merge: removed.
    """

    def __init__(self, history_dir: Path | str, *, mode: str, analysis: str) -> None:
        self.history_dir = Path(history_dir)
        self.mode, self.analysis = mode, analysis
        self.rows = 0
        self.tmp = self.history_dir / f".part-{mode}-{analysis}.tmp"
        self._writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._writer is None:
            self.history_dir.mkdir(parents=True, exist_ok=True)
            self.tmp.unlink(missing_ok=True)
            self._writer = pq.ParquetWriter(
                self.tmp, table.schema, use_dictionary=dictionary_columns(table.schema)
            )
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self, ok: bool = True) -> Path | None:
        """Put the part in place (``ok``) or discard it; returns its path if it was written."""
        if self._writer is None:
            return None
        self._writer.close()
        self._writer = None
        if not ok:
            self.tmp.unlink(missing_ok=True)
            return None
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        n = len(_parts(self.history_dir))
        path = self.history_dir / f"part-{self.mode}-{self.analysis}-{stamp}-{n:05d}.parquet"
        os.replace(self.tmp, path)
        fsync_dir(self.history_dir)
        return path
