"""Low-level persistence helpers: atomic file writes and inter-process locks.

Every record is written as temp file + ``fsync`` + ``os.replace`` so a reader (in this or
another process) sees either the old or the new version, never a torn one. Locks combine a
per-process ``threading.Lock`` (threads of one server) with a ``filelock`` lock file (other
server processes on the same state directory).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

#: How long a request waits for a lock before failing (a job's output generation holds its
#: lock while it writes the result file; 100 000 requests take a few seconds).
LOCK_TIMEOUT_S = 600.0

_registry_guard = threading.Lock()
_registry: dict[str, tuple[threading.Lock, FileLock]] = {}


@contextmanager
def locked(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the lock named by ``path`` (a ``.lock`` file) against threads and processes.

    Not re-entrant: never take the same lock twice in one call chain.
    """
    key = os.fspath(path)
    with _registry_guard:
        entry = _registry.get(key)
        if entry is None:
            entry = (
                threading.Lock(),
                FileLock(key, timeout=timeout, thread_local=False, poll_interval=0.002),
            )
            _registry[key] = entry
    thread_lock, file_lock = entry
    if not thread_lock.acquire(timeout=timeout):
        raise TimeoutError(f"timed out waiting for lock {key}")
    try:
        with file_lock:
            yield
    finally:
        thread_lock.release()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_json(path: Path, obj: Any) -> None:
    """Replace ``path`` with ``obj`` as JSON atomically."""
    atomic_write_bytes(path, json.dumps(obj, ensure_ascii=False, sort_keys=True).encode())


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or ``None`` if it does not exist."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read())
    except FileNotFoundError:
        return None


def remove(path: Path) -> bool:
    """Delete ``path`` if it exists; return whether it did."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True
