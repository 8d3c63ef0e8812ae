"""Row-level recovery: resubmit the rows that failed, in new and smaller batches.

After a chunk's output is downloaded, every key is judged (``emobatch.responses``). Keys that
failed for a reason a retry may cure (error lines other than 4xx, invalid or schema-violating
JSON, safety/recitation finishes, truncation, keys missing from the output) are written to a
retry chunk ``retries/<chunk>-r<n>.jsonl`` (the original request lines, byte for byte, except
that a truncated answer gets twice the ``maxOutputTokens``; a post of a packed request is
sent alone, as the single-post request an unpacked run would send, :mod:`emobatch.packing`),
submitted through the ledger like any chunk, polled and downloaded; up to ``retry_rounds``
rounds. The manifest lists every output file in round order; ``emobatch.stages.parse`` then
takes each key's last good answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from emobatch.atomic import atomic_path
from emobatch.backends.base import BatchBackend
from emobatch.ledger import Ledger
from emobatch.logs import batch_event
from emobatch.packing import is_pack_key, single_requests
from emobatch.records import Marker, Recovered
from emobatch.responses import ReadAnswer, RowResult, chunk_keys, judge_rounds
from emobatch.stages.download import download_output
from emobatch.stages.poll import PollSettings, poll_chunk
from emobatch.stages.submit import Clock, SubmitLimits, submit_chunk

log = logging.getLogger("emobatch.recover")
MAX_OUTPUT_TOKENS_CAP = 8192


def _retry_lines(chunk: Path, failed: dict[str, RowResult]) -> bytes:
    out: list[bytes] = []
    with open(chunk, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            if is_pack_key(str(obj["key"])):
                for key, request in single_requests([(str(obj["key"]), obj["request"])]):
                    if key in failed:
                        out.append(_line(key, request, failed[key]))
                continue
            result = failed.get(str(obj["key"]))
            if result is None:
                continue
            if result.reason == "max_tokens":
                line = _line(str(obj["key"]), obj["request"], result)
            out.append(line if line.endswith(b"\n") else line + b"\n")
    return b"".join(out)


def retry_request(request: dict[str, Any], result: RowResult) -> dict[str, Any]:
    """The request to send again for a failed row: twice the ``maxOutputTokens`` (capped)
    after a truncation, else unchanged. Shared by batch recovery and synchronous delivery."""
    if result.reason != "max_tokens":
        return request
    gen = dict(request.get("generationConfig") or {})
    gen["maxOutputTokens"] = min(MAX_OUTPUT_TOKENS_CAP, 2 * int(gen.get("maxOutputTokens") or 512))
    return {**request, "generationConfig": gen}


def _line(key: str, request: dict[str, Any], result: RowResult) -> bytes:
    """The request line of ``key``, with twice the ``maxOutputTokens`` after a truncation."""
    obj = {"key": key, "request": retry_request(request, result)}
    return (
        json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def recover_chunk(
    backend: BatchBackend,
    ledger: Ledger,
    *,
    chunk: Path,
    raw: Path,
    marker: Marker,
    retries_dir: Path,
    out_manifest: Path,
    read_answer: ReadAnswer,
    retry_rounds: int,
    poll_settings: PollSettings,
    limits: SubmitLimits | None = None,
    clock: Clock | None = None,
) -> Recovered:
    """Run retry rounds for one chunk and write its manifest (atomic)."""
    keys = chunk_keys(chunk)
    rounds: list[dict[str, Any]] = [{"round": 0, "raw": str(raw), "job_name": marker.job_name}]
    best = judge_rounds(keys, rounds, read_answer)
    for number in range(1, retry_rounds + 1):
        failed = {k: r for k, (r, _, _) in best.items() if not r.ok and r.retryable}
        if not failed:
            break
        retry_chunk = retries_dir / f"{chunk.stem}-r{number}.jsonl"
        if not retry_chunk.exists():
            with atomic_path(retry_chunk) as tmp:
                tmp.write_bytes(_retry_lines(chunk, failed))
        reasons: dict[str, int] = {}
        for r in failed.values():
            reasons[r.reason or "?"] = reasons.get(r.reason or "?", 0) + 1
        batch_event(
            "retry",
            "%s round %d: resubmitting %d rows (%s)",
            chunk.name,
            number,
            len(failed),
            ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())),
        )
        sentinel = submit_chunk(
            backend,
            ledger,
            retry_chunk,
            model=marker.model,
            analysis=marker.analysis_id,
            mode=marker.mode,
            limits=limits,
            clock=clock,
        )
        sentinel.dump(retry_chunk.with_suffix(".submitted.json"))
        retry_marker = poll_chunk(
            backend,
            ledger,
            sentinel,
            retry_chunk,
            settings=poll_settings,
            limits=limits,
            clock=clock,
        )
        retry_raw = retries_dir / f"{chunk.stem}-r{number}.out.jsonl"
        if not retry_raw.exists():
            download_output(backend, retry_marker, retry_raw)
        rounds.append(
            {
                "round": number,
                "raw": str(retry_raw),
                "job_name": retry_marker.job_name,
                "rows": len(failed),
            }
        )
        best = judge_rounds(keys, rounds, read_answer)
    still = {k: r for k, (r, _, _) in best.items() if not r.ok}
    manifest = Recovered(
        chunk_file=str(chunk),
        requests=len(keys),
        rounds=rounds,
        ok=len(keys) - len(still),
        failed=len(still),
        failed_reasons=count_reasons(still.values()),
    )
    manifest.dump(out_manifest)
    if still:
        batch_event(
            "retry",
            "%s: %d of %d rows still failed after %d round(s) (%s)",
            chunk.name,
            len(still),
            len(keys),
            len(rounds) - 1,
            ", ".join(f"{k}={v}" for k, v in manifest.failed_reasons.items()),
        )
    return manifest


def count_reasons(results: Iterable[RowResult]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        out[r.reason or "?"] = out.get(r.reason or "?", 0) + 1
    return dict(sorted(out.items()))
