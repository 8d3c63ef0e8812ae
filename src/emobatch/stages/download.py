"""Fetch a finished job's output file at once (Gemini deletes it after ~48 h), verbatim."""

from __future__ import annotations

import logging
from pathlib import Path

from emobatch.atomic import atomic_path
from emobatch.backends.base import BatchBackend
from emobatch.crashpoints import crashpoint
from emobatch.errors import JobError
from emobatch.logs import batch_event
from emobatch.records import Marker

log = logging.getLogger("emobatch.download")


def download_output(backend: BatchBackend, marker: Marker, dest: Path) -> int:
    """Download the job's responses file to ``dest`` atomically; return its line count."""
    file_name = marker.output_file
    if not file_name:
        raise JobError(
            f"job {marker.job_name} finished {marker.state} without an output file",
            hint="check the job with `emobatch jobs show`; the chunk is resubmitted on the next "
            "run only after you delete its completion marker",
        )
    with atomic_path(dest) as tmp:
        backend.download(file_name, tmp)
        crashpoint("during_download")
        with open(tmp, "rb") as fh:
            lines = sum(1 for line in fh if line.strip())
    batch_event(
        "download", "%s -> %s (%d lines, %d bytes)", file_name, dest, lines, dest.stat().st_size
    )
    if lines != marker.request_count:
        log.warning(
            "%s has %d lines but the job reported %s requests; missing keys are retried",
            dest,
            lines,
            marker.request_count,
        )
    return lines
