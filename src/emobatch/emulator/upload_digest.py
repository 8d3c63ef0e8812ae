"""The running sha256 and line count of an upload, fed chunk by chunk."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path


class UploadDigest:
    """Running sha256 and non-blank line count of an upload, fed chunk by chunk."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.lines = 0
        self.size = 0
        self._tail = b""

    def update(self, block: bytes) -> None:
        self.sha.update(block)
        self.size += len(block)
        pieces = (self._tail + block).split(b"\n")
        self._tail = pieces.pop()
        self.lines += sum(1 for p in pieces if p.strip())

    def result(self) -> tuple[str, int]:
        """Base64 sha256 and line count (a last line without newline counts)."""
        lines = self.lines + (1 if self._tail.strip() else 0)
        return base64.b64encode(self.sha.digest()).decode(), lines

    @classmethod
    def of_file(cls, path: Path) -> UploadDigest:
        digest = cls()
        with open(path, "rb") as fh:
            while block := fh.read(8 << 20):
                digest.update(block)
        return digest
