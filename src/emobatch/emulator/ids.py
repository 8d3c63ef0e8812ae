"""Resource ids and timestamps in the shapes the real Gemini API uses.

- batch ids: 36 lowercase alphanumerics (``batches/ddonja61t8pv56i5gq07zw9lqgh7j8c9nzzt``);
- file ids: 12 lowercase alphanumerics (``files/3cv5g3xt7bu7``), at most 40 characters;
- result files: ``files/batch-<batch id>`` (42 characters of id, the real quirk);
- timestamps: RFC 3339 in UTC with nanoseconds (``2026-11-27T11:42:27.438861123Z``).

Batch and file ids are derived from the seed and a creation ordinal that is persisted in the
state directory, so a run is reproducible while ids stay unique within one state directory.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from datetime import UTC, datetime

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
BATCH_ID_LENGTH = 36
FILE_ID_LENGTH = 12
MAX_FILE_ID_LENGTH = 40
RESULT_FILE_PREFIX = "batch-"

_FILE_ID_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$")


def _derived_id(length: int, *parts: object) -> str:
    """``length`` base-36 characters drawn from a hash of ``parts``."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 36)
        chars.append(ALPHABET[rem])
    return "".join(chars)


def batch_id(seed: int, ordinal: int, display_name: str) -> str:
    """The id of the ``ordinal``-th batch created in a state directory (36 chars)."""
    return _derived_id(BATCH_ID_LENGTH, "batch", seed, ordinal, display_name)


def file_id(seed: int, ordinal: int, display_name: str) -> str:
    """The id of the ``ordinal``-th uploaded file in a state directory (12 chars)."""
    return _derived_id(FILE_ID_LENGTH, "file", seed, ordinal, display_name)


def result_file_id(batch: str) -> str:
    """The id of a batch's output file: ``batch-<batch id>``."""
    return RESULT_FILE_PREFIX + batch


def upload_id() -> str:
    """An unguessable resumable-upload session id (the session URL is the credential)."""
    return "AAwnv3" + secrets.token_urlsafe(48).replace("-", "X").replace("_", "Y")


def response_id(batch: str, key: str) -> str:
    """A deterministic ``responseId`` (23 base64url characters, like the real ones)."""
    digest = hashlib.sha256(f"{batch}\x1f{key}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:17]).decode().rstrip("=")


def is_valid_file_id(value: str) -> bool:
    """Whether ``value`` is a file id a client may choose (lowercase, digits, inner dashes)."""
    return bool(_FILE_ID_RE.match(value))


def now_ns() -> int:
    """Wall-clock time in nanoseconds since the epoch."""
    return time.time_ns()


def rfc3339(ns: int) -> str:
    """Format epoch nanoseconds as ``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ``."""
    seconds, frac = divmod(ns, 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{frac:09d}Z"
