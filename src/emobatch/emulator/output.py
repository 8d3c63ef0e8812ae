"""Writing a job's output: JSON lines (optionally shuffled) hashed on the way, and metadata.

:class:`LineWriter` encodes each output line once (compact JSON, UTF-8), feeds it to the
output file and to a running sha256 (the File's ``sha256Hash``), and counts lines and
failures; with a shuffle seed (the ``shuffle_output`` fault) it holds the lines and writes
them in a seeded order at :meth:`LineWriter.close`.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from typing import IO, Any


class LineWriter:
    """Writes JSON lines (or buffers them to shuffle at the end), hashing as it goes."""

    def __init__(self, out: IO[bytes], shuffle_seed: str | None) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = self.lines = self.failed = 0
        self._encode: Callable[[Any], str] = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), check_circular=False
        ).encode
        self._shuffle_seed = shuffle_seed
        self._held: list[bytes] = []

    def write(self, line: dict[str, Any], failed: bool) -> None:
        data = (self._encode(line) + "\n").encode()
        self.lines += 1
        self.failed += failed
        if self._shuffle_seed is not None:
            self._held.append(data)
        else:
            self._emit(data)

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.sha.update(data)
        self.size += len(data)

    def close(self) -> None:
        if self._shuffle_seed is not None:
            random.Random(self._shuffle_seed).shuffle(self._held)
            for data in self._held:
                self._emit(data)
            self._held = []


def string_metadata(meta: Any) -> dict[str, str]:
    """Inline metadata as string->string (the SDK's ``InlinedResponse.metadata`` type)."""
    if not isinstance(meta, dict):
        return {}
    return {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in meta.items()
    }
