"""The per-chunk lock that keeps a fetch and the pipeline from downloading the same output twice.

``emobatch jobs fetch`` (emobatch.operations.fetch) and the rules that write a chunk's marker,
raw output, recovery manifest and parsed rows (batch_poll's marker is written by Snakemake,
batch_download and results_parse here) take this lock, ``<marker>.lock`` next to the chunk's
completion marker, and re-check under it whether the file they are about to make exists.
"""

from __future__ import annotations

from filelock import FileLock

from emobatch.paths import RunPaths


def chunk_lock(run: RunPaths, chunk: str, timeout: float = -1) -> FileLock:
    """The lock of one chunk (``timeout`` -1 waits as long as it takes)."""
    marker = run.marker(chunk)
    marker.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(marker) + ".lock", timeout=timeout)
