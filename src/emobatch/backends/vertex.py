"""Vertex AI batch inference from Cloud Storage, through google-genai in Vertex mode.

Everything Vertex-specific stays behind the :class:`BatchBackend` seam, so the stages run
unchanged:

- ``upload(chunk)`` rewrites each ``{"key", "request"}`` line into the Vertex input shape
  (the key carried in ``request.labels``, :mod:`.vertex_lines`), uploads it resumably to
  ``gs://<bucket>/<prefix>/<mode>/<analysis>/<chunk>.jsonl`` (skipped when the object's
  crc32c already matches, :mod:`.vertex_gcs`) and returns that gs:// URI as the file name;
- ``create`` makes a ``batchPredictionJob`` (display name, model, source URI, output prefix
  ``.../output/<display name>/``); one attempt, SDK errors translated as for Gemini;
- ``get``/``iter_jobs`` map Vertex states and counts onto :class:`JobStatus`
  (:mod:`.vertex_status`: PARTIALLY_SUCCEEDED is SUCCEEDED with failed rows);
- ``download(output folder, dest)`` reads every ``predictions*.jsonl`` under the job's output
  folder and writes Developer-API output lines (``{"key", "response" | "error"}``), in the
  order Vertex wrote them: the key, not the position, matches a line to its post.

Credentials are Application Default Credentials (:mod:`.vertex_auth`); no key exists to leak.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from google import genai
from google.genai import types

from emobatch.backends.base import JobStatus, ModelInfo, RemoteListingIncomplete
from emobatch.backends.gcp_errors import guarded, translate
from emobatch.backends.gemini import rest_response
from emobatch.backends.sdk_errors import translate_create
from emobatch.backends.vertex_auth import VertexCredentials, account_fingerprint, default_endpoint
from emobatch.backends.vertex_gcs import GcsFiles, gs_uri, object_name, output_prefix, split_uri
from emobatch.backends.vertex_lines import from_prediction, to_vertex_line
from emobatch.backends.vertex_status import job_status
from emobatch.config import VertexSettings
from emobatch.errors import (
    ConfigError,
    InputDataError,
    JobError,
    ModelUnavailable,
    RefusedByBackend,
    TransientBackendError,
)
from emobatch.identity import file_sha256
from emobatch.retry import RetryPolicy, call_idempotent

log = logging.getLogger("emobatch.backend")
T = TypeVar("T")

API_VERSION = "v1"  # Google's Vertex batch samples pin v1 (the SDK's own default is v1beta1)
MODEL_PREFIX = "publishers/google/models/"


def require_vertex_settings(vertex: VertexSettings) -> tuple[str, str]:
    """``(project, bucket)``; ConfigError naming the missing key."""
    missing = [k for k, v in (("project", vertex.project), ("bucket", vertex.bucket)) if not v]
    if missing:
        raise ConfigError(
            f"backend: vertex needs vertex.{' and vertex.'.join(missing)} in the config",
            hint="set them in config/config.yaml (vertex: section), e.g. --config "
            '\'vertex={"project": "my-project", "bucket": "my-bucket"}\'; see docs/vertex.md',
        )
    return str(vertex.project), str(vertex.bucket)


class VertexBackend:
    """Vertex AI batch prediction jobs over Cloud Storage, through the real SDKs."""

    name = "vertex"

    def __init__(
        self,
        settings: VertexSettings,
        credentials: VertexCredentials,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 120.0,
        retry: RetryPolicy | None = None,
        storage_client: Any = None,
    ) -> None:
        project, bucket = require_vertex_settings(settings)
        self.settings = settings
        options = types.HttpOptions(api_version=API_VERSION, timeout=int(timeout_seconds * 1000))
        if base_url:
            options.base_url = base_url
        # No SDK-level retry: create is not idempotent, and we retry idempotent calls ourselves.
        self._client = genai.Client(
            vertexai=True,
            project=project,
            location=settings.location,
            credentials=credentials.genai,
            http_options=options,
        )
        if storage_client is None:
            from google.cloud import storage  # type: ignore[import-untyped]

            storage_client = storage.Client(project=project, credentials=credentials.storage)
        self._gcs = GcsFiles(storage_client, bucket)
        self.api_key_fingerprint = account_fingerprint(project, settings.location)
        self.base_url = base_url or default_endpoint(settings.location)
        self.retry = retry or RetryPolicy()
        log.info("vertex: project %s, %s, %s", project, settings.location, credentials.source)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """An idempotent call: errors translated at the seam, transient ones retried."""
        return call_idempotent(what, guarded(what, fn), self.retry)

    # -- files -------------------------------------------------------------------------
    def upload(self, path: Path, display_name: str) -> str:
        name = object_name(self.settings.prefix, path, display_name)
        with tempfile.TemporaryDirectory(prefix="emobatch-vertex-") as tmp:
            local = Path(tmp) / path.name
            size = _write_vertex_input(path, local)
            if size > self.settings.max_bytes_per_job:
                raise InputDataError(
                    f"{path} is {size:,} bytes in the Vertex input shape, more than "
                    f"vertex.max_bytes_per_job ({self.settings.max_bytes_per_job:,})",
                    hint="lower batch.max_file_size_mb (or shorten the post ids) and re-run",
                )
            sha = file_sha256(path)
            self._call(
                f"upload of {path.name}", lambda: self._gcs.upload_if_changed(local, name, sha)
            )
        return gs_uri(self._gcs.bucket, name)

    def download(self, file_name: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._call(f"download of {file_name}", lambda: self._download(file_name, dest))

    def _download(self, directory: str, dest: Path) -> None:
        files = self._gcs.prediction_files(directory)
        if not files:
            raise JobError(
                f"no predictions*.jsonl under {directory}",
                hint="check the folder in the Cloud console; the job may have written nothing",
            )
        bucket, _ = split_uri(directory)
        lines = keyless = 0
        with open(dest, "wb") as out:
            for name in files:
                for raw in self._gcs.lines(bucket, name):
                    try:
                        obj = json.loads(raw)
                    except ValueError:  # a torn line: its post is missing, hence retried
                        obj = None
                    line = from_prediction(obj) if isinstance(obj, dict) else None
                    if line is None:
                        keyless += 1
                        continue
                    lines += 1
                    out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
        if keyless and not lines:
            raise JobError(
                f"none of the {keyless} lines under {directory} carries its post key in "
                "request.labels: they cannot be matched to posts",
                hint="nothing is resubmitted; report this (Vertex did not echo the labels) and "
                "keep the output folder",
            )
        if keyless:
            log.warning(
                "%d lines under %s have no post key; their posts are retried", keyless, directory
            )

    # -- jobs --------------------------------------------------------------------------
    def create(self, model: str, file_name: str, display_name: str) -> JobStatus:
        dest = output_prefix(file_name, display_name)
        try:
            job = self._client.batches.create(
                model=model,
                src=file_name,
                config=types.CreateBatchJobConfig(display_name=display_name, dest=dest),
            )
        except Exception as exc:
            what = f"create of {display_name}"
            translated = translate_create(translate(exc, what), what)
            if translated is exc:
                raise
            raise translated from exc
        return job_status(job)

    def get(self, job_name: str) -> JobStatus:
        return self._call(
            f"status of {job_name}", lambda: job_status(self._client.batches.get(name=job_name))
        )

    def iter_jobs(self, page_size: int = 100) -> Iterator[JobStatus]:
        def list_all() -> list[JobStatus]:
            config = types.ListBatchJobsConfig(page_size=page_size)
            return [job_status(job) for job in self._client.batches.list(config=config)]

        try:
            jobs = self._call("listing of batch prediction jobs", list_all)
        except TransientBackendError as exc:
            raise RemoteListingIncomplete(str(exc)) from exc
        yield from jobs

    def cancel(self, job_name: str) -> None:
        self._call(f"cancel of {job_name}", lambda: self._client.batches.cancel(name=job_name))

    # -- models ------------------------------------------------------------------------
    def get_model(self, name: str) -> ModelInfo:
        short = name.removeprefix("models/").removeprefix(MODEL_PREFIX)
        try:
            model = self._call(f"model {short}", lambda: self._client.models.get(model=short))
        except RefusedByBackend as exc:
            raise ModelUnavailable(
                f"Vertex AI in {self.settings.location} does not serve {short} ({exc})",
                hint="check batch.model_name and vertex.location (not every model runs in every "
                "region); nothing was uploaded",
                code=exc.code,
            ) from exc
        return ModelInfo(
            name=str(model.name or short).removeprefix(MODEL_PREFIX),
            version=model.version,
            display_name=model.display_name,
        )

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        system = request.get("systemInstruction") or request.get("system_instruction")
        config = types.CountTokensConfig(system_instruction=system) if system else None
        contents = list(request.get("contents") or [])
        response = self._call(
            f"countTokens on {model}",
            lambda: self._client.models.count_tokens(model=model, contents=contents, config=config),
        )
        return int(response.total_tokens or 0)

    def generate_content(
        self, model: str, request: dict[str, Any], *, service_tier: str = "standard"
    ) -> dict[str, Any]:
        """One online ``generateContent`` in Vertex mode (not retried: each call is paid).

        Only the standard tier: Flex is a Developer API tier, not offered for Vertex here.
        """
        if service_tier != "standard":
            raise ConfigError(
                f"the {service_tier} tier is a Gemini Developer API delivery; backend: vertex "
                "sends batch jobs or standard online calls",
                hint="use the batch delivery with backend: vertex, or backend: gemini for Flex",
            )
        config = types.GenerateContentConfig.model_validate(
            {
                **(request.get("generationConfig") or {}),
                "systemInstruction": request.get("systemInstruction"),
                "labels": request.get("labels"),
            }
        )
        what = f"generateContent on {model} (Vertex)"
        response = guarded(
            what,
            lambda: self._client.models.generate_content(
                model=model, contents=request["contents"], config=config
            ),
        )()
        return rest_response(response)

    def close(self) -> None:
        try:
            self._client.close()
        except Exception:  # pragma: no cover - closing is best effort
            log.debug("closing the SDK client failed", exc_info=True)


def _write_vertex_input(chunk: Path, dest: Path) -> int:
    """Rewrite a chunk into the Vertex input shape; return its size in bytes."""
    size = 0
    with open(chunk, "rb") as src, open(dest, "wb") as out:
        for line in src:
            if line.strip():
                data = to_vertex_line(line)
                out.write(data)
                size += len(data)
    return size
