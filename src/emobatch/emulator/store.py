"""The emulator's state directory: files, upload sessions, batch jobs and counters.

Layout (format 1; every JSON file is replaced atomically, see :mod:`.storage`)::

    <state_dir>/
      emulator.json                  {"format": 1, "kind": "emobatch-gemini-emulator"}
      counters.json                  call/create/upload/fault counters and poll counts
      files/<file id>.json           one File record (internal shape, see below)
      blobs/<file id>                the file's bytes (uploaded input or generated output)
      uploads/<upload id>.json       an open resumable-upload session
      uploads/<upload id>.part       the bytes received so far in that session
      batches/<batch id>.json        one batch job record
      batches/<batch id>.requests.json   inline requests of an inline job
      batches/<batch id>.responses.json  inline responses, once the job succeeded
      bodies/<hash>.json             how often a generateContent body was answered
                                     (see :mod:`.replicas`)
      locks/*.lock                   lock files (counters, per job, per upload session)

A file record: ``{"format", "id", "displayName", "mimeType", "sizeBytes", "createNs",
"updateNs", "expireNs", "sha256", "source" ("UPLOADED"|"GENERATED"), "lineCount"}``
(``lineCount`` = non-blank lines, counted once when the bytes are stored, so creating a job
never rescans the file).

A job record: see :mod:`.jobs`. Counters: see :data:`EMPTY_COUNTERS`.

Any number of server processes may use one directory at the same time: records are
immutable-or-replaced, read-modify-write happens under the matching lock.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .storage import atomic_write_json, locked, read_json, remove

FORMAT = 1
T = TypeVar("T")

#: Shape of ``counters.json``; every key is created on first use.
EMPTY_COUNTERS: dict[str, Any] = {
    "format": FORMAT,
    "calls": {},  # operation -> number of requests routed to it
    "creates_total": 0,  # batch jobs created (also the ordinal of the next job's id)
    "creates_by_display_name": {},  # displayName -> jobs created
    "upload_starts": 0,  # resumable sessions opened (also the ordinal of file ids)
    "uploads": 0,  # uploads finalized into files
    "faults_fired": {},  # fault kind -> times it fired (rows count one each)
    "rule_matches": {},  # fault rule id -> calls that matched its filter ("Nth call")
    "rule_fires": {},  # fault rule id -> times it fired (for "limit")
    "polls": {},  # batch id -> batches.get calls
    "generate_content_calls": {},  # service tier -> generateContent calls (faulted included)
    "generate_content_answered": {},  # service tier -> generateContent calls answered 200
    "duplicate_requests": 0,  # generateContent answers to a body answered before
}


class Store:
    """Typed access to one state directory (created on first use)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.files_dir = self.root / "files"
        self.blobs_dir = self.root / "blobs"
        self.uploads_dir = self.root / "uploads"
        self.batches_dir = self.root / "batches"
        self.bodies_dir = self.root / "bodies"
        self.locks_dir = self.root / "locks"
        self.counters_path = self.root / "counters.json"

    # -- setup -------------------------------------------------------------------------
    def init(self) -> None:
        """Create the layout (idempotent); refuse a directory of another format."""
        for d in (
            self.files_dir,
            self.blobs_dir,
            self.uploads_dir,
            self.batches_dir,
            self.bodies_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)
        self.locks_dir.mkdir(parents=True, exist_ok=True)
        marker = self.root / "emulator.json"
        info = read_json(marker)
        if info is None:
            with self.lock("init"):
                if read_json(marker) is None:
                    atomic_write_json(
                        marker, {"format": FORMAT, "kind": "emobatch-gemini-emulator"}
                    )
        elif info.get("format") != FORMAT:
            raise ValueError(
                f"{self.root} holds emulator state of format {info.get('format')!r}, "
                f"this emulator reads format {FORMAT}; use an empty --state-dir"
            )

    def lock(self, name: str) -> Any:
        """Context manager holding the named lock (``locks/<name>.lock``)."""
        return locked(self.locks_dir / f"{name}.lock")

    # -- files -------------------------------------------------------------------------
    def file_path(self, file_id: str) -> Path:
        return self.files_dir / f"{file_id}.json"

    def blob_path(self, file_id: str) -> Path:
        return self.blobs_dir / file_id

    def get_file(self, file_id: str) -> dict[str, Any] | None:
        if not _safe_name(file_id):
            return None
        return read_json(self.file_path(file_id))

    def put_file(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.file_path(record["id"]), record)

    def delete_file(self, file_id: str) -> bool:
        existed = remove(self.file_path(file_id))
        remove(self.blob_path(file_id))
        return existed

    def list_files(self) -> list[dict[str, Any]]:
        return _read_all(self.files_dir, ".json")

    # -- uploads -----------------------------------------------------------------------
    def upload_meta_path(self, upload_id: str) -> Path:
        return self.uploads_dir / f"{upload_id}.json"

    def upload_part_path(self, upload_id: str) -> Path:
        return self.uploads_dir / f"{upload_id}.part"

    def get_upload(self, upload_id: str) -> dict[str, Any] | None:
        if not _safe_name(upload_id):
            return None
        return read_json(self.upload_meta_path(upload_id))

    def put_upload(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.upload_meta_path(record["uploadId"]), record)

    def delete_upload(self, upload_id: str) -> None:
        remove(self.upload_meta_path(upload_id))
        remove(self.upload_part_path(upload_id))

    # -- batches -----------------------------------------------------------------------
    def batch_path(self, batch_id: str) -> Path:
        return self.batches_dir / f"{batch_id}.json"

    def inline_requests_path(self, batch_id: str) -> Path:
        return self.batches_dir / f"{batch_id}.requests.json"

    def inline_responses_path(self, batch_id: str) -> Path:
        return self.batches_dir / f"{batch_id}.responses.json"

    def get_batch(self, batch_id: str) -> dict[str, Any] | None:
        if not _safe_name(batch_id):
            return None
        return read_json(self.batch_path(batch_id))

    def put_batch(self, record: dict[str, Any]) -> None:
        atomic_write_json(self.batch_path(record["id"]), record)

    def delete_batch(self, batch_id: str) -> bool:
        existed = remove(self.batch_path(batch_id))
        remove(self.inline_requests_path(batch_id))
        remove(self.inline_responses_path(batch_id))
        return existed

    def list_batches(self) -> list[dict[str, Any]]:
        return [r for r in _read_all(self.batches_dir, ".json") if r.get("kind") == "batch"]

    # -- generateContent bodies --------------------------------------------------------
    def body_path(self, digest: str) -> Path:
        return self.bodies_dir / f"{digest}.json"

    # -- counters ----------------------------------------------------------------------
    def read_counters(self) -> dict[str, Any]:
        """A snapshot of the counters (read-only, no lock: the file is replaced atomically)."""
        stored = read_json(self.counters_path) or {}
        counters = copy.deepcopy(EMPTY_COUNTERS)
        counters.update(stored)
        return counters

    def update_counters(self, fn: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``fn`` to the counters under the counters lock and persist the result."""
        with self.lock("counters"):
            counters = self.read_counters()
            result = fn(counters)
            atomic_write_json(self.counters_path, counters)
            return result


def _safe_name(name: str) -> bool:
    """Ids become file names: refuse anything that could leave the directory."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _read_all(directory: Path, suffix: str) -> list[dict[str, Any]]:
    """Every ``<id><suffix>`` record in ``directory`` (ids contain no dots)."""
    records = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    for name in names:
        if not name.endswith(suffix) or name.startswith(".") or name.count(".") != 1:
            continue
        record = read_json(directory / name)
        if isinstance(record, dict):
            records.append(record)
    return records
