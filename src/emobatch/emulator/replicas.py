"""Identical request bodies: canonical hashes and how often each was answered.

``generateContent`` bodies are identified by :func:`body_hash`: blake2b (128 bit) of the
model name, a newline, and the body as canonical JSON (keys sorted, no whitespace, UTF-8).
Key order and formatting therefore do not matter; any other difference does.

:class:`ReplicaLog` keeps, per hash, how many times the emulator answered that body with
HTTP 200 (``bodies/<hash>.json`` in the state directory, under a lock striped by the
hash's first two hex digits, so every server process on the directory counts together).
The count before an answer is that answer's **replicate** index (0 for the first answer,
1 for the second, ...): the label noise of :mod:`.noise` draws from it, and every answer
with replicate >= 1 counts as one ``duplicate_requests`` in the statistics.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .storage import atomic_write_json, read_json
from .store import Store

__all__ = ["Replica", "ReplicaLog", "body_hash", "canonical_json"]


def canonical_json(obj: Any) -> bytes:
    """``obj`` as canonical JSON bytes (sorted keys, compact separators, UTF-8)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def body_hash(model: str, body: Any) -> str:
    """32 hex digits identifying ``body`` sent to ``model`` (``models/`` prefix ignored)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(model.removeprefix("models/").encode() + b"\n")
    digest.update(canonical_json(body))
    return digest.hexdigest()


@dataclass
class Replica:
    """One answer in progress: its replicate index; set ``answered`` once it succeeded."""

    index: int
    answered: bool = False

    @property
    def duplicate(self) -> bool:
        return self.answered and self.index >= 1


class ReplicaLog:
    """Per-body answer counts, shared by every process on a state directory."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def answering(self, digest: str) -> Iterator[Replica]:
        """Hold the body's lock while answering; count the answer if it succeeded."""
        path = self.store.body_path(digest)
        with self.store.lock(f"body-{digest[:2]}"):
            record = read_json(path) or {"answered": 0}
            replica = Replica(index=int(record.get("answered", 0)))
            yield replica
            if replica.answered:
                record["answered"] = replica.index + 1
                atomic_write_json(path, record)

    def answered(self, digest: str) -> int:
        """How often the body was answered so far (read-only)."""
        record = read_json(self.store.body_path(digest)) or {}
        return int(record.get("answered", 0))
