"""Which upload MIME types the Files API accepts (others: 400 "Unsupported MIME type").

The real service refuses types it cannot use as model input at the start of the upload
(google-genai's own test ``test_bad_mime_type`` expects ``APIError`` matching
"Unsupported MIME" for ``bad/mime_type``). The emulator accepts:

- any ``text/*``, ``image/*``, ``audio/*`` and ``video/*`` type;
- the ``application/*`` types Gemini reads as documents or batch input:
  :data:`APPLICATION_SUBTYPES` (``json``, ``jsonl``, ``x-ndjson``, ``pdf``, source code, ...);
- the bare token ``jsonl`` that Google's batch guide passes as ``mime_type`` (the service
  has intermittently refused it; the ``reject_mime_type`` fault reproduces that).

Parameters (``text/plain; charset=utf-8``) and case are ignored. Not accepted, among
others: ``application/octet-stream``, ``application/zip``, unknown top-level types and
malformed values. The pipeline uploads with ``jsonl`` and falls back to ``text/plain``;
both are accepted.
"""

from __future__ import annotations

import re

__all__ = ["APPLICATION_SUBTYPES", "BARE_TYPES", "MEDIA_TYPES", "is_supported"]

MEDIA_TYPES = ("text", "image", "audio", "video")
APPLICATION_SUBTYPES = frozenset({
    "json", "jsonl", "x-ndjson", "ndjson", "pdf", "xml", "rtf", "x-yaml", "yaml",
    "javascript", "x-javascript", "typescript", "x-typescript", "x-python", "x-python-code",
    "x-sh", "sql", "csv", "x-tex",
})  # fmt: skip
BARE_TYPES = frozenset({"jsonl"})
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*$")


def is_supported(mime: str) -> bool:
    """Whether an upload of ``mime`` is accepted (see the module docstring)."""
    value = mime.split(";", 1)[0].strip().lower()
    if value in BARE_TYPES:
        return True
    kind, sep, subtype = value.partition("/")
    if not sep or not _TOKEN.match(kind) or not _TOKEN.match(subtype or "-"):
        return False
    if kind in MEDIA_TYPES:
        return True
    return kind == "application" and subtype in APPLICATION_SUBTYPES
