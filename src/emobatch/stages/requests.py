"""Requests stage: the selected posts → Gemini Batch JSONL chunks and a manifest.

Each line is ``{"key": <post_id>, "request": <GenerateContentRequest>}`` (protocol §5.1) as
compact JSON with sorted keys, UTF-8 (Korean is not escaped; only NEL, U+2028 and U+2029 are
written as ``\\u`` escapes so no reader splits a line there), ``\\n``-terminated. The request
carries the post alone as the user content; the codebook goes only into ``systemInstruction`` and
``generationConfig.responseSchema``, so text inside a post can never pose as instructions.

With ``batch.posts_per_request: N`` above 1, N posts share one line: its key is a pack key
and its request the packed request of :mod:`emobatch.packing` (the posts as a JSON array of
``{"id", "text"}``, an ARRAY schema with each post's ``id``). Posts are packed in selection
order; the replicates of a post (``p1#rep2``) go into packs of their own replicate number, so
one request never carries the same post twice. The chunk limits count lines (requests).

``out_dir`` holds ``chunk-0000.jsonl``, ``chunk-0001.jsonl``, ... (each at most
``batch.max_batch_size`` lines and ``batch.max_file_size_mb`` MB, 1 MB = 1,000,000 bytes) and
``manifest.json`` (format version 1)::

    {"format_version": 1, "analysis_id", "model", "engine": {kind, provider, model[, version]},
     "generation": {"sent": <generationConfig fields>, "dropped": [...], "warnings": [...]},
     "codebook": {name, version, path},
     "selected": <path>, "limits": {"max_batch_size", "max_file_size_bytes"},
     "chunks": [{"file", "sha256", "requests", "bytes", "first_key", "last_key"}, ...],
     "totals": {"chunks", "requests", "bytes", "selected_rows", "already_analysed"}}

The same selection, codebook and settings always give the same bytes. The directory is built
under a temporary sibling name and renamed into place, so it appears whole or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow.parquet as pq

from emobatch.analysis import Analysis
from emobatch.atomic import fsync_dir, write_json
from emobatch.codebook import Codebook
from emobatch.config import Settings, chunk_limits
from emobatch.errors import InputDataError
from emobatch.identity import canonical_json
from emobatch.packing import pack_key, pack_request
from emobatch.replicates import REPLICATE_MARK
from emobatch.responses import write_keys_index

__all__ = [
    "MANIFEST_FORMAT_VERSION",
    "build_request",
    "replicate_keys",
    "request_encoder",
    "request_line",
    "write_chunks",
]

log = logging.getLogger("emobatch.requests")

MANIFEST_FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
BYTES_PER_MB = 1_000_000
_FLUSH_BYTES = 8 << 20
_BUILDING, _OLD = ".building", ".old"  # temporary sibling directories of out_dir
_KEY_MARK = "\x00emobatch-key\x00"
_TEXT_MARK = "\x00emobatch-text\x00"


def build_request(codebook: Codebook, generation: dict[str, Any], text: str) -> dict[str, Any]:
    """The REST GenerateContentRequest (camelCase) that asks the model to code ``text``.

    ``generation`` is the model's ``generationConfig`` as :func:`emobatch.generation.translate`
    made it (thinking budget or level, honoured sampling parameters, maxOutputTokens).
    """
    return {
        "contents": [{"role": "user", "parts": [{"text": text}]}],
        "systemInstruction": {"parts": [{"text": codebook.system_instruction}]},
        "generationConfig": {
            **generation,
            "responseMimeType": "application/json",
            "responseSchema": codebook.response_schema,
        },
    }


def _json_safe(text: str) -> str:
    """Escape the characters that ``str.splitlines`` (and JavaScript) treat as line breaks.

    ``json.dumps(..., ensure_ascii=False)`` leaves NEL, U+2028 and U+2029 raw; a reader that
    splits the file with ``splitlines()`` would cut the line there. Escaped, the value is the
    same JSON string.
    """
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = (
            text.replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
            .replace("\x85", "\\u0085")
        )
    return text


def _dumps(value: str) -> bytes:
    return _json_safe(json.dumps(value, ensure_ascii=False)).encode("utf-8")


def request_line(key: str, request: dict[str, Any]) -> bytes:
    """One JSONL line: compact, sorted keys, UTF-8 (``ensure_ascii=False``), ending in ``\\n``.

    NEL, U+2028 and U+2029 are the only non-ASCII characters written as ``\\u`` escapes, so
    the line is one line for every reader.
    """
    return (_json_safe(canonical_json({"key": key, "request": request})) + "\n").encode("utf-8")


class _LineParts:
    """A request line as five byte strings; the three constant ones are encoded once."""

    def __init__(self, codebook: Codebook, generation: dict[str, Any]) -> None:
        template = _json_safe(
            canonical_json(
                {"key": _KEY_MARK, "request": build_request(codebook, generation, _TEXT_MARK)}
            )
        )
        head, rest = template.split(json.dumps(_KEY_MARK), 1)
        middle, tail = rest.split(json.dumps(_TEXT_MARK), 1)
        self.head, self.middle = head.encode("utf-8"), middle.encode("utf-8")
        self.tail = (tail + "\n").encode("utf-8")
        self.fixed = len(self.head) + len(self.middle) + len(self.tail)

    def parts(self, key: str, text: str) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        return self.head, _dumps(key), self.middle, _dumps(text), self.tail


def request_encoder(codebook: Codebook, generation: dict[str, Any]) -> Callable[[str, str], bytes]:
    """A fast ``(key, text) -> line`` giving exactly ``request_line(key, build_request(...))``.

    The constant part (system instruction, schema, settings) is serialised once; each line only
    encodes its key and text.
    """
    line = _LineParts(codebook, generation)
    return lambda key, text: b"".join(line.parts(key, text))


class _Chunk:
    """A chunk file being written. Lines are gathered into blocks of about 8 MB; a background
    thread writes and hashes each block while the next one is encoded (both release the GIL).
    At most one block is in flight, so memory stays at two blocks."""

    def __init__(self, path: Path, pool: ThreadPoolExecutor) -> None:
        self.path, self._pool = path, pool
        self._handle: BinaryIO = open(path, "wb")  # noqa: SIM115 (closed in close/abort)
        self._sha = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._in_flight: Future[None] | None = None
        self.requests = self.size = 0
        self.keys: list[str] = []
        self.first_key: str | None = None
        self.last_key: str | None = None

    def add(self, key: str, parts: tuple[bytes, ...], size: int) -> None:
        self._pending.extend(parts)
        self._pending_size += size
        self.requests += 1
        self.size += size
        if self.first_key is None:
            self.first_key = key
        self.last_key = key
        self.keys.append(key)
        if self._pending_size >= _FLUSH_BYTES:
            self._flush()

    def _write(self, data: bytes) -> None:
        self._handle.write(data)
        self._sha.update(data)

    def _wait(self) -> None:
        if self._in_flight is not None:
            self._in_flight.result()
            self._in_flight = None

    def _flush(self) -> None:
        data = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self._wait()
        self._in_flight = self._pool.submit(self._write, data)

    def close(self) -> dict[str, Any]:
        """Write what is left, fsync, and return the manifest entry."""
        self._flush()
        self._wait()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        write_keys_index(self.path, self.keys, self.size)
        return {
            "file": self.path.name,
            "sha256": self._sha.hexdigest(),
            "requests": self.requests,
            "bytes": self.size,
            "first_key": self.first_key,
            "last_key": self.last_key,
        }

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._wait()
        self._handle.close()


class _ChunkWriter:
    """Starts a new chunk before a line would break the line or byte limit."""

    def __init__(self, directory: Path, max_lines: int, max_bytes: int) -> None:
        self.directory, self.max_lines, self.max_bytes = directory, max_lines, max_bytes
        self.chunks: list[dict[str, Any]] = []
        self._current: _Chunk | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emobatch-chunks")

    def add(self, key: str, parts: tuple[bytes, ...], where: str) -> None:
        size = sum(map(len, parts))
        if size > self.max_bytes:
            raise InputDataError(
                f"the request for post {key!r} ({where}) is {size:,} bytes, more than "
                f"batch.max_file_size_mb allows ({self.max_bytes:,} bytes)",
                hint="lower filter.max_text_chars (with long_text_policy truncate) or raise "
                "batch.max_file_size_mb",
            )
        chunk = self._current
        if chunk is not None and (
            chunk.requests >= self.max_lines or chunk.size + size > self.max_bytes
        ):
            self.chunks.append(chunk.close())
            chunk = None
        if chunk is None:
            path = self.directory / f"chunk-{len(self.chunks):04d}.jsonl"
            chunk = self._current = _Chunk(path, self._pool)
        chunk.add(key, parts, size)

    def close(self) -> list[dict[str, Any]]:
        if self._current is not None:
            self.chunks.append(self._current.close())
            self._current = None
        self._pool.shutdown()
        return self.chunks

    def abort(self) -> None:
        if self._current is not None:
            self._current.abort()
        self._pool.shutdown()


def replicate_keys(post_id: str, repeats: int) -> list[str]:
    """The request keys of one post: ``p1`` and, with ``repeats: 3``, ``p1#rep2``, ``p1#rep3``.

    Each replicate is its own request line (the same request, coded independently), so k
    codings of a post are k paid answers, never copies of one another.
    """
    return [post_id, *(f"{post_id}{REPLICATE_MARK}{r}" for r in range(2, repeats + 1))]


class _Packer:
    """Gathers posts into packs of ``posts_per_request``, one stream per replicate number."""

    def __init__(self, analysis: Analysis, writer: _ChunkWriter) -> None:
        self.size, self.writer = analysis.posts_per_request, writer
        self.template = build_request(analysis.codebook, analysis.generation.config, "")
        self.pending: dict[int, list[tuple[str, str, str]]] = {}

    def add(self, rep: int, key: str, text: str, where: str) -> None:
        pending = self.pending.setdefault(rep, [])
        pending.append((key, text, where))
        if len(pending) >= self.size:
            self._flush(rep)

    def _flush(self, rep: int) -> None:
        pending = self.pending.pop(rep, [])
        if not pending:
            return
        posts = [(k, t) for k, t, _ in pending]
        key = pack_key([k for k, _ in posts])
        # a last pack of one post is a plain single-post line
        if len(posts) > 1:
            request = pack_request(self.template, posts)
        else:
            request = _with_text(self.template, posts[0][1])
        where = pending[0][2] if len(pending) == 1 else f"{pending[0][2]}..{pending[-1][2]}"
        self.writer.add(key, (request_line(key, request),), where)

    def flush_all(self) -> None:
        for rep in sorted(self.pending):
            self._flush(rep)


def _with_text(template: dict[str, Any], text: str) -> dict[str, Any]:
    """``template`` (a :func:`build_request` result) asking about ``text`` instead."""
    return {**template, "contents": [{"role": "user", "parts": [{"text": text}]}]}


def _write_lines(
    settings: Settings, selected: Path, directory: Path, analysis: Analysis
) -> tuple[list[dict[str, Any]], int, int]:
    """Write the chunks; return (chunk entries, rows in the selection, rows already analysed)."""
    line = _LineParts(analysis.codebook, analysis.generation.config)
    writer = _ChunkWriter(directory, *chunk_limits(settings))
    packer = _Packer(analysis, writer) if analysis.posts_per_request > 1 else None
    rows = skipped = 0
    columns = ["post_id", "text", "to_submit", "source_row"]
    try:
        for batch in pq.ParquetFile(selected).iter_batches(batch_size=16_384, columns=columns):
            rows += batch.num_rows
            ids, texts, submit, source = (batch.column(c).to_pylist() for c in columns)
            for key, text, wanted, row in zip(ids, texts, submit, source, strict=True):
                if not wanted:
                    skipped += 1
                    continue
                for rep, rkey in enumerate(replicate_keys(key, analysis.repeats)):
                    if packer is not None:
                        packer.add(rep, rkey, text, f"source_row {row}")
                    else:
                        writer.add(rkey, line.parts(rkey, text), f"source_row {row}")
        if packer is not None:
            packer.flush_all()
        return writer.close(), rows, skipped
    except BaseException:
        writer.abort()
        raise


def _manifest(
    settings: Settings,
    analysis: Analysis,
    selected: Path,
    chunks: list[dict[str, Any]],
    rows: int,
    skipped: int,
) -> dict[str, Any]:
    codebook = analysis.codebook
    limits = chunk_limits(settings)  # the backend's per-job limits apply (backend: vertex)
    return {
        "format_version": MANIFEST_FORMAT_VERSION,
        "analysis_id": analysis.id,
        "model": settings.batch.model_name,
        "engine": analysis.engine.as_dict(),
        "generation": analysis.generation.describe(),
        "codebook": {
            "name": codebook.name,
            "version": codebook.version,
            "path": str(codebook.path),
        },
        "selected": str(selected),
        "limits": dict(zip(("max_batch_size", "max_file_size_bytes"), limits, strict=True)),
        "chunks": chunks,
        "totals": {
            "chunks": len(chunks),
            "requests": sum(c["requests"] for c in chunks),
            "bytes": sum(c["bytes"] for c in chunks),
            "selected_rows": rows,
            "already_analysed": skipped,
        },
    }


def _replace_dir(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``, moving an existing ``target`` aside first."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=_OLD, dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(tmp, target)
    fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_chunks(
    settings: Settings, *, selected: Path | str, out_dir: Path | str, analysis: Analysis
) -> dict[str, Any]:
    """Write the batch request chunks of the ``to_submit`` rows of ``selected``; return the
    manifest (also written to ``out_dir/manifest.json``)."""
    selected, out_dir = Path(selected), Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (_BUILDING, _OLD):  # left by a killed writer (one writer per out_dir)
        for stale in out_dir.parent.glob(f".{out_dir.name}.*{suffix}"):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=_BUILDING, dir=out_dir.parent))
    try:
        chunks, rows, skipped = _write_lines(settings, selected, tmp, analysis)
        manifest = _manifest(settings, analysis, selected, chunks, rows, skipped)
        write_json(tmp / MANIFEST_NAME, manifest)
        fsync_dir(tmp)
        os.chmod(tmp, 0o755)  # mkdtemp makes the directory private
        _replace_dir(tmp, out_dir)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
        raise
    totals = manifest["totals"]
    log.info(
        "wrote %s requests in %s chunks (%s bytes) to %s; %s already analysed",
        f"{totals['requests']:,}",
        totals["chunks"],
        f"{totals['bytes']:,}",
        out_dir,
        f"{skipped:,}",
    )
    return manifest
