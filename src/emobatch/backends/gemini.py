"""The real Gemini Developer API through the google-genai SDK (also used by ``local``).

SDK exceptions never leave this class: :mod:`emobatch.backends.sdk_errors` turns them into
:class:`emobatch.errors.BackendError` subclasses (transient, rate limited, refused, not found,
ambiguous create) at the seam; idempotent calls are retried here on the transient ones.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from google import genai
from google.genai import types

from emobatch.backends.base import JobStatus, ModelInfo, RemoteListingIncomplete
from emobatch.backends.sdk_errors import guarded, translate_create
from emobatch.errors import BackendError, ModelUnavailable, RefusedByBackend, TransientBackendError
from emobatch.identity import api_key_fingerprint
from emobatch.retry import RetryPolicy, call_idempotent

log = logging.getLogger("emobatch.backend")
T = TypeVar("T")

API_VERSION = "v1beta"  # Google documents the batch and Files endpoints only under v1beta
# "jsonl" is what Google's guide uses; the service has intermittently rejected it, so fall back.
UPLOAD_MIME_TYPES = ("jsonl", "text/plain")


def _state_of(job: types.BatchJob) -> str:
    state = job.state
    raw = state.value if isinstance(state, enum.Enum) else str(state or "")
    return raw.removeprefix("JOB_STATE_").removeprefix("BATCH_STATE_") or "UNSPECIFIED"


def rest_response(response: types.GenerateContentResponse) -> dict[str, Any]:
    """An SDK response as the REST GenerateContentResponse (camelCase, as in batch output)."""
    out: dict[str, Any] = response.model_dump(
        mode="json",
        by_alias=True,
        exclude_none=True,
        exclude={"sdk_http_response", "automatic_function_calling_history", "parsed"},
    )
    return out


class GeminiBackend:
    """Talks to any server that speaks the Gemini Batch protocol, through the real SDK."""

    name = "gemini"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        timeout_seconds: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not api_key:
            raise BackendError(
                "no Gemini API key",
                hint="export GEMINI_API_KEY=... or use backend: local",
            )
        options = types.HttpOptions(api_version=API_VERSION, timeout=int(timeout_seconds * 1000))
        if base_url:
            options.base_url = base_url
        # No SDK-level retry: create is not idempotent, and we retry idempotent calls ourselves.
        self._client = genai.Client(api_key=api_key, http_options=options)
        self.api_key_fingerprint = api_key_fingerprint(api_key)
        self.base_url = base_url or "https://generativelanguage.googleapis.com"
        self.retry = retry or RetryPolicy()

    # -- files -------------------------------------------------------------------------------
    def upload(self, path: Path, display_name: str) -> str:
        last: Exception | None = None
        for mime in UPLOAD_MIME_TYPES:
            try:
                uploaded = self._call(
                    f"upload of {path.name}",
                    functools.partial(
                        self._client.files.upload,
                        file=str(path),
                        config=types.UploadFileConfig(mime_type=mime, display_name=display_name),
                    ),
                )
                return str(uploaded.name)
            except RefusedByBackend as exc:
                if exc.code == 400 and "mime" in str(exc).lower():
                    log.warning("upload rejected MIME type %r; trying the next one", mime)
                    last = exc
                    continue
                raise
            except KeyError as exc:  # a 200 answer without "file": how the SDK shows a
                if exc.args != ("file",):  # MIME rejection at finalize (python-genai #1547)
                    raise
                log.warning(
                    "upload with MIME type %r came back without a file; trying the next one", mime
                )
                last = exc
                continue
        raise BackendError(
            f"every MIME type was rejected for {path}: {last}",
            hint="retry later; Gemini has rejected JSONL uploads intermittently",
        )

    def download(self, file_name: str, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)

        def fetch() -> None:
            with open(dest, "wb") as fh:
                self._client.files.download(file=file_name, destination=fh)

        self._call(f"download of {file_name}", fetch)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """An idempotent call: SDK errors translated at the seam, transient ones retried."""
        return call_idempotent(what, guarded(what, fn), self.retry)

    # -- batches -----------------------------------------------------------------------------
    def create(self, model: str, file_name: str, display_name: str) -> JobStatus:
        try:
            job = self._client.batches.create(
                model=model,
                src=file_name,
                config=types.CreateBatchJobConfig(display_name=display_name),
            )
        except Exception as exc:
            translated = translate_create(exc, f"create of {display_name}")
            if translated is exc:
                raise
            raise translated from exc
        return self._from_sdk(job)

    def get(self, job_name: str) -> JobStatus:
        # The SDK's BatchJob drops batchStats; read the REST Operation with the same client.
        def fetch() -> JobStatus:
            response = self._client._api_client.request("get", job_name, {})
            return JobStatus.from_operation(json.loads(response.body or "{}"))

        return self._call(f"status of {job_name}", fetch)

    def iter_jobs(self, page_size: int = 100) -> Iterator[JobStatus]:
        def list_all() -> list[JobStatus]:
            pager = self._client.batches.list(config=types.ListBatchJobsConfig(page_size=page_size))
            return [self._from_sdk(job) for job in pager]

        try:
            jobs = self._call("listing of batch jobs", list_all)
        except TransientBackendError as exc:
            raise RemoteListingIncomplete(str(exc)) from exc
        yield from jobs

    def cancel(self, job_name: str) -> None:
        self._call(f"cancel of {job_name}", lambda: self._client.batches.cancel(name=job_name))

    # -- models ------------------------------------------------------------------------------
    def get_model(self, name: str) -> ModelInfo:
        short = name.removeprefix("models/")
        try:
            model = self._call(f"model {short}", lambda: self._client.models.get(model=short))
        except RefusedByBackend as exc:
            raise ModelUnavailable(
                f"{self.base_url} does not know the model {short} ({exc})",
                hint="check batch.model_name against `emobatch models` and the provider's "
                "model list; nothing was uploaded",
                code=exc.code,
            ) from exc
        return ModelInfo(
            name=str(model.name or short).removeprefix("models/"),
            supported_actions=tuple(model.supported_actions or ()),
            version=model.version,
            display_name=model.display_name,
        )

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        # The SDK refuses system_instruction for countTokens on the Developer API, so the
        # system instruction is counted as a leading content: the same text, the same tokens.
        contents = list(request.get("contents") or [])
        system = request.get("systemInstruction") or request.get("system_instruction")
        if system:
            contents.insert(0, {"role": "user", "parts": system.get("parts") or []})
        response = self._call(
            f"countTokens on {model}",
            lambda: self._client.models.count_tokens(model=model, contents=contents),
        )
        return int(response.total_tokens or 0)

    # -- synchronous calls (Flex and interactive delivery) ---------------------------------------
    def generate_content(
        self, model: str, request: dict[str, Any], *, service_tier: str = "standard"
    ) -> dict[str, Any]:
        """One ``models.generate_content`` call through the SDK; the REST response as a dict.

        Not retried here (each call is paid): the caller decides, per error class, whether to
        retry (429/5xx, a shed Flex request) or record a failed row (4xx).
        """
        config = types.GenerateContentConfig.model_validate(
            {
                **(request.get("generationConfig") or {}),
                "systemInstruction": request.get("systemInstruction"),
                "serviceTier": service_tier,
            }
        )
        what = f"generateContent on {model} ({service_tier})"
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

    @staticmethod
    def _from_sdk(job: types.BatchJob) -> JobStatus:
        return JobStatus(
            name=str(job.name),
            display_name=job.display_name,
            state=_state_of(job),
            model=job.model,
            output_file=job.dest.file_name if job.dest else None,
            create_time=job.create_time.isoformat() if job.create_time else None,
            update_time=job.update_time.isoformat() if job.update_time else None,
            end_time=job.end_time.isoformat() if job.end_time else None,
        )
