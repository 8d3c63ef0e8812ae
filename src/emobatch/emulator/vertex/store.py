"""The Vertex emulator's state directory: batch prediction job records and counters.

Layout (format 1; every JSON file is replaced atomically, see :mod:`..storage`)::

    <state_dir>/
      emulator.json        {"format": 1, "kind": "emobatch-vertex-emulator"}
      counters.json        the Gemini emulator's counter shape (:data:`..store.EMPTY_COUNTERS`):
                           calls per operation, creates (total, by display name), fault counts
      jobs/<id>.json       one job record (see :mod:`.resource`)
      locks/*.lock         the counters lock and one lock per job

Input and output files live in Cloud Storage (the GCS emulator), not here. Any number of
server processes may share one directory: read-modify-write happens under the matching lock.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..storage import atomic_write_json, locked, read_json, remove
from ..store import EMPTY_COUNTERS

FORMAT = 1
KIND = "emobatch-vertex-emulator"
T = TypeVar("T")


class VertexStore:
    """Typed access to one state directory (created on first use)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.jobs_dir = self.root / "jobs"
        self.locks_dir = self.root / "locks"
        self.counters_path = self.root / "counters.json"

    def init(self) -> None:
        """Create the layout (idempotent); refuse a directory of another kind or format."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.locks_dir.mkdir(parents=True, exist_ok=True)
        marker = self.root / "emulator.json"
        with self.lock("init"):
            info = read_json(marker)
            if info is None:
                atomic_write_json(marker, {"format": FORMAT, "kind": KIND})
                return
        if info.get("kind") != KIND or info.get("format") != FORMAT:
            raise ValueError(
                f"{self.root} holds state of {info.get('kind')!r} (format "
                f"{info.get('format')!r}); the Vertex emulator needs its own --state-dir"
            )

    def lock(self, name: str) -> Any:
        """Context manager holding the named lock (``locks/<name>.lock``)."""
        return locked(self.locks_dir / f"{name}.lock")

    # -- jobs --------------------------------------------------------------------------
    def job_path(self, job_id: str) -> Path:
        return self.jobs_dir / f"{job_id}.json"

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        if not job_id.isdigit():
            return None
        record = read_json(self.job_path(job_id))
        return record if isinstance(record, dict) else None

    def put_job(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.job_path(record["id"]), record)

    def delete_job(self, job_id: str) -> bool:
        return job_id.isdigit() and remove(self.job_path(job_id))

    def list_jobs(self) -> list[dict[str, Any]]:
        records = []
        for name in sorted(os.listdir(self.jobs_dir)):
            if name.endswith(".json") and name[:-5].isdigit():
                record = read_json(self.jobs_dir / name)
                if isinstance(record, dict):
                    records.append(record)
        return records

    # -- counters ----------------------------------------------------------------------
    def read_counters(self) -> dict[str, Any]:
        counters = copy.deepcopy(EMPTY_COUNTERS)
        counters.update(read_json(self.counters_path) or {})
        return counters

    def update_counters(self, fn: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``fn`` to the counters under the counters lock and persist the result."""
        with self.lock("counters"):
            counters = self.read_counters()
            result = fn(counters)
            atomic_write_json(self.counters_path, counters)
            return result
