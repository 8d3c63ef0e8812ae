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
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
    """Keys of many posts under one analysis: :func:`analysis_keys_column` of the values."""
    ids = pa.array(list(post_ids), pa.string())
    texts = pa.array(list(normalised_texts), pa.string())
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} post ids but {len(texts)} texts")
    keys: list[str] = analysis_keys_column(ids, texts, analysis).to_pylist()
    return keys


def analysis_keys_column(post_ids: pa.Array, normalised_texts: pa.Array, analysis: str) -> pa.Array:
    """Keys of a column of posts under one analysis (the one definition): the first 32 hex
    chars of the sha256 of ``analysis``, post id and normalised text joined by U+001F, UTF-8.

    The joined bytes are built by Arrow and hashed straight from its buffer (the filter's
    million-row pass: no Python string per post). Ids and texts must not be null.
    """
    if post_ids.null_count or normalised_texts.null_count:
        raise ValueError("post ids and texts must not be null")
    joined = pc.binary_join_element_wise(
        analysis, post_ids.cast(pa.string()), normalised_texts.cast(pa.string()), "\x1f"
    )
    _, offsets_buffer, data_buffer = joined.buffers()
    ends = np.frombuffer(offsets_buffer, np.int32)[joined.offset : joined.offset + len(joined) + 1]
    data, sha256 = memoryview(data_buffer), hashlib.sha256
    bounds = ends.tolist()
    keys = [sha256(data[a:b]).hexdigest()[:32] for a, b in pairwise(bounds)]
    return pa.array(keys, pa.string())


def display_name(chunk_sha256: str, analysis: str) -> str:
    """Batch display name: ``emobatch-<analysis id>-<first 24 hex of the chunk sha256>``."""
    return f"emobatch-{analysis}-{chunk_sha256[:24]}"


def api_key_fingerprint(api_key: str) -> str:
    """A non-reversible tag of the API key (never the key itself), for ledgers and sentinels."""
    return "sha256:" + _sha256_hex(("emobatch-key-fingerprint\x00" + api_key).encode())[:12]
