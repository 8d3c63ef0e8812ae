"""Cloud Storage for ``backend: vertex``: chunk uploads and prediction downloads.

Objects (``vertex.prefix`` = ``<p>``, in ``vertex.bucket``)::

    <p>/<mode>/<analysis>/<chunk>.jsonl                   a chunk in the Vertex input shape
    <p>/<mode>/<analysis>/output/<display name>/          one job's output prefix, under which
        prediction-model-<timestamp>/predictions.jsonl    Vertex writes its results

Uploads are resumable (``chunk_size`` set) and crc32c-checked by the client; an object whose
crc32c already matches the local file is not sent again (a re-run after a crash past the
upload pays no second transfer). The ``emobatch-sha256`` metadata names the content.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emobatch.paths import ANALYSIS_PATTERN, MODES

log = logging.getLogger("emobatch.backend")

UPLOAD_CHUNK_BYTES = 16 << 20  # a multiple of 256 KiB; setting it makes every upload resumable
_ANALYSIS = re.compile(f"^{ANALYSIS_PATTERN}$")
_PREDICTIONS = re.compile(r"(^|/)predictions[^/]*\.jsonl$")


def gs_uri(bucket: str, name: str) -> str:
    return f"gs://{bucket}/{name}"


def split_uri(uri: str) -> tuple[str, str]:
    """``gs://bucket/a/b`` -> ``("bucket", "a/b")``; ValueError for anything else."""
    if not uri.startswith("gs://"):
        raise ValueError(f"{uri!r} is not a gs:// URI")
    bucket, _, name = uri[len("gs://") :].partition("/")
    if not bucket:
        raise ValueError(f"{uri!r} names no bucket")
    return bucket, name


def object_name(prefix: str, chunk: Path, display_name: str) -> str:
    """``<prefix>/<mode>/<analysis>/<chunk>.jsonl`` for a chunk under ``results/<mode>/<analysis>/``
    (retry chunks included); ``<prefix>/other/<display name>.jsonl`` for any other file."""
    parts = chunk.resolve().parts
    for i in range(len(parts) - 1, 0, -1):
        if _ANALYSIS.match(parts[i]) and parts[i - 1] in MODES:
            return "/".join(p for p in (prefix, parts[i - 1], parts[i], chunk.name) if p)
    return "/".join(p for p in (prefix, "other", f"{display_name}.jsonl") if p)


def output_prefix(input_uri: str, display_name: str) -> str:
    """The job's ``outputUriPrefix``: ``<input folder>/output/<display name>/``."""
    folder = input_uri.rsplit("/", 1)[0]
    return f"{folder}/output/{display_name}/"


def file_crc32c(path: Path) -> str:
    """The base64 big-endian crc32c GCS reports for an object with ``path``'s bytes."""
    import google_crc32c

    crc32c: Any = google_crc32c  # its Checksum class is untyped
    checksum = crc32c.Checksum()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            checksum.update(block)
    return base64.b64encode(checksum.digest()).decode("ascii")


class GcsFiles:
    """The bucket of ``backend: vertex`` through a ``google.cloud.storage.Client``."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def upload_if_changed(self, local: Path, name: str, sha256: str) -> bool:
        """Upload ``local`` as ``name`` unless the object's crc32c matches; True if sent."""
        crc = file_crc32c(local)
        bucket = self.client.bucket(self.bucket)
        existing = bucket.get_blob(name)
        if existing is not None and existing.crc32c == crc:
            log.info("gs://%s/%s already holds this chunk: not re-sent", self.bucket, name)
            return False
        if existing is not None:
            log.warning("gs://%s/%s holds other content; replacing it", self.bucket, name)
        blob = bucket.blob(name, chunk_size=UPLOAD_CHUNK_BYTES)
        blob.metadata = {"emobatch-sha256": sha256}
        blob.upload_from_filename(str(local), content_type="application/jsonl", checksum="crc32c")
        return True

    def prediction_files(self, directory: str) -> list[str]:
        """Names of every ``predictions*.jsonl`` under a gs:// folder, sorted."""
        bucket, prefix = split_uri(directory)
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        names = [b.name for b in self.client.list_blobs(bucket, prefix=prefix)]
        return sorted(n for n in names if _PREDICTIONS.search(n[len(prefix) :]))

    def lines(self, bucket: str, name: str) -> Iterator[bytes]:
        """The non-blank lines of an object, streamed."""
        with self.client.bucket(bucket).blob(name).open("rb") as fh:
            for line in fh:
                if line.strip():
                    yield line
