"""Talk to each job's own backend, not to whatever ``config.yaml`` says today.

A job records (sentinel, ledger) the backend it was submitted through, its endpoint (base URL,
never a key) and the fingerprint of the API key. :class:`JobBackends` opens, per job, that
backend: ``local`` over the project's emulator state, ``gemini`` at the recorded endpoint with
the key in the environment. When the key in the environment is not the one that submitted the
job, it says so (that key's project cannot see the job) instead of reporting a 404. Jobs that
recorded nothing (older sentinels) and listings use the configured backend.

It is itself a :class:`~emobatch.backends.base.BatchBackend`: ``get``, ``cancel`` and
``download`` route by job name (``remember`` the job first for ``download``); ``iter_jobs`` lists
every backend the project's jobs used, the configured one first.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from emobatch.backends import open_backend
from emobatch.backends.base import BatchBackend, JobStatus, ModelInfo
from emobatch.config import Settings
from emobatch.errors import BackendError
from emobatch.operations.job_view import JobView
from emobatch.secrets import api_key_from_env

Spec = tuple[str, str | None]  # (backend name, endpoint)
BASE_URL_VARIABLE = "EMOBATCH_GEMINI_BASE_URL"
VERTEX_URL_VARIABLE = "EMOBATCH_VERTEX_BASE_URL"


class KeyMismatch(BackendError):
    """The API key in the environment did not submit this job and cannot see it."""


class JobBackends:
    name = "per-job"
    api_key_fingerprint = ""

    def __init__(
        self, settings: Settings, jobs: Iterable[JobView] = (), env: Mapping[str, str] | None = None
    ) -> None:
        self.settings = settings
        self.env = os.environ if env is None else env
        self._open: dict[Spec, BatchBackend] = {}
        self._jobs: dict[str, JobView] = {}
        self._current: JobView | None = None
        for job in jobs:
            self.remember(job)

    # -- routing --------------------------------------------------------------------------
    def remember(self, job: JobView) -> None:
        self._jobs[job.job_name] = job
        self._current = job

    def default(self) -> BatchBackend:
        return self._backend((self.settings.backend, None))

    def for_job(self, job: JobView) -> BatchBackend:
        """The backend that ``job`` was submitted through (raises KeyMismatch, see above)."""
        if not job.backend or not job.known:
            return self.default()
        backend = self._backend((job.backend, job.endpoint))
        mine = getattr(backend, "api_key_fingerprint", "")
        if job.key_fingerprint and mine and job.key_fingerprint != mine and job.backend == "vertex":
            raise KeyMismatch(
                f"job {job.job_name} was submitted in another Google Cloud project or location "
                f"({job.key_fingerprint}) than the configured one ({mine}): it is not visible here",
                hint="set vertex.project and vertex.location to the ones that ran the job",
            )
        if job.key_fingerprint and mine and job.key_fingerprint != mine:
            raise KeyMismatch(
                f"job {job.job_name} was submitted with the API key {job.key_fingerprint} (a "
                f"fingerprint, not the key), and the key in the environment is {mine}: that "
                "key's project cannot see the job",
                hint="export the key with that fingerprint (GEMINI_API_KEY or "
                "GEMINI_API_KEY_FILE) and run the command again",
            )
        return backend

    def _backend(self, spec: Spec) -> BatchBackend:
        if spec not in self._open:
            name, endpoint = spec
            settings = dataclasses.replace(self.settings, backend=name)
            env = dict(self.env)
            if name == "gemini" and endpoint:
                env[BASE_URL_VARIABLE] = endpoint
            if name == "vertex" and endpoint and not endpoint.endswith("aiplatform.googleapis.com"):
                env[VERTEX_URL_VARIABLE] = endpoint  # an endpoint other than Google's (tests)
            if name == "gemini" and not api_key_from_env(env):
                raise BackendError(
                    f"the job was submitted to Gemini ({endpoint or 'the Gemini API'}), and no "
                    "API key is set",
                    hint="export GEMINI_API_KEY (or GEMINI_API_KEY_FILE) and run again",
                )
            self._open[spec] = open_backend(settings, env)
        return self._open[spec]

    def _route(self, job_name: str) -> BatchBackend:
        job = self._jobs.get(job_name)
        return self.default() if job is None else self.for_job(job)

    # -- the BatchBackend surface ---------------------------------------------------------
    def get(self, job_name: str) -> JobStatus:
        return self._route(job_name).get(job_name)

    def cancel(self, job_name: str) -> None:
        self._route(job_name).cancel(job_name)

    def download(self, file_name: str, dest: Path) -> None:
        backend = self.for_job(self._current) if self._current else self.default()
        backend.download(file_name, dest)

    def iter_jobs(self, page_size: int = 100) -> Iterator[JobStatus]:
        seen: set[str] = set()
        specs: list[Spec] = [(self.settings.backend, None)]
        specs += sorted(
            {(j.backend, j.endpoint) for j in self._jobs.values() if j.backend},
            key=lambda spec: (spec[0], spec[1] or ""),
        )
        for spec in dict.fromkeys(specs):
            try:
                backend = self._backend(spec)
            except BackendError:
                continue  # no key for that backend: its jobs are shown from the project's files
            for status in backend.iter_jobs(page_size):
                if status.name not in seen:
                    seen.add(status.name)
                    yield status

    def upload(self, path: Path, display_name: str) -> str:
        return self.default().upload(path, display_name)

    def create(self, model: str, file_name: str, display_name: str) -> JobStatus:
        return self.default().create(model, file_name, display_name)

    def get_model(self, name: str) -> ModelInfo:
        return self.default().get_model(name)

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        return self.default().count_tokens(model, request)

    def close(self) -> None:
        for backend in self._open.values():
            backend.close()
        self._open.clear()
