"""What defines an analysis, as hashes.

- ``analysis_id``: codebook version + engine (what answers: the dictionary baseline or a
  provider and model) + generation settings as sent. It is part of every intermediate path, so
  changing any of them makes new targets rather than stale results.
- ``analysis_key``: one post under one analysis (post id + normalised text + analysis id). The
  history records it so later runs skip posts already coded the same way.
- ``display_name``: the batch job's display name, derived from the chunk's sha256 and the
  analysis id; it is the only handle for reconciling with the provider after a crash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ANALYSIS_ID_LEN = 12


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: the same object always gives the same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def file_sha256(path: Path | str, *, block: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in blocks (memory stays flat for 2 GB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while data := fh.read(block):
            h.update(data)
    return h.hexdigest()


def analysis_id(
    codebook_version: str,
    engine: dict[str, Any],
    generation: dict[str, Any],
    design: dict[str, Any] | None = None,
) -> str:
    """Short id of (codebook version, engine, generation settings as sent), e.g. ``a3f09c1d2b4e``.

    ``engine`` says what answers (see :mod:`emobatch.analysis`), so the dictionary baseline and
    an LLM never share an id. ``design`` holds the delivery, the number of replicates and the posts
    per request when they differ from the defaults (batch, 1, 1), so existing batch analyses
    keep their ids.
    """
    body: dict[str, Any] = {
        "codebook": codebook_version,
        "engine": engine,
        "generation": generation,
    }
    if design:
        body["design"] = design
    payload = canonical_json(body)
    return "a" + _sha256_hex(payload.encode("utf-8"))[: ANALYSIS_ID_LEN - 1]


def analysis_key(post_id: str, normalised_text: str, analysis: str) -> str:
    """Key of one post under one analysis (32 hex chars): :func:`analysis_keys` of one post."""
    return analysis_keys([post_id], [normalised_text], analysis)[0]


def analysis_keys(
    post_ids: Iterable[str], normalised_texts: Iterable[str], analysis: str
) -> list[str]:
    """Keys of many posts under one analysis: the first 32 hex chars of the sha256 of
    ``analysis``, post id and normalised text joined by U+001F, UTF-8 (the one definition; the
    filter's million-row loop makes one call, not one per post)."""
    sha256, head = hashlib.sha256, analysis + "\x1f"
    return [
        sha256(f"{head}{i}\x1f{t}".encode()).hexdigest()[:32]
        for i, t in zip(post_ids, normalised_texts, strict=True)
    ]


def display_name(chunk_sha256: str, analysis: str) -> str:
    """Batch display name: ``emobatch-<analysis id>-<first 24 hex of the chunk sha256>``."""
    return f"emobatch-{analysis}-{chunk_sha256[:24]}"


def api_key_fingerprint(api_key: str) -> str:
    """A non-reversible tag of the API key (never the key itself), for ledgers and sentinels."""
    return "sha256:" + _sha256_hex(("emobatch-key-fingerprint\x00" + api_key).encode())[:12]
