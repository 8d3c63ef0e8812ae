"""A recording batch provider for unit tests of the submit/poll logic.

It implements emobatch's own ``BatchBackend`` seam (not the SDK): each call is recorded, and
failures can be queued per operation, in the style of simonw/llm's queued-response test model.
End-to-end tests use the real SDK against the emulator instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobatch.backends.base import JobStatus, ModelInfo, RemoteListingIncomplete
from emobatch.errors import (
    AmbiguousCreate,
    BackendError,
    NotFoundError,
    RateLimited,
    RefusedByBackend,
    TransientBackendError,
)
from emobatch.retry import RETRYABLE_STATUS


def api_error(code: int, status: str = "") -> BackendError:
    """What a backend raises at the seam for an HTTP ``code`` (see backends/sdk_errors.py)."""
    text = f"injected: HTTP {code} {status}"
    if code == 429:
        return RateLimited(text, code=code)
    if code in RETRYABLE_STATUS:
        return TransientBackendError(text, code=code)
    if code == 404:
        return NotFoundError(text, code=code)
    return RefusedByBackend(text, code=code)


def create_error(code: int, status: str = "") -> BackendError:
    """What a backend's ``create`` raises: a 5xx or timeout leaves the outcome unknown."""
    exc = api_error(code, status)
    if isinstance(exc, TransientBackendError) and not isinstance(exc, RateLimited):
        return AmbiguousCreate(str(exc), code=code)
    return exc


@dataclass
class FakeBackend:
    name: str = "fake"
    api_key_fingerprint: str = "sha256:fake0001"
    jobs: dict[str, JobStatus] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    # operation -> list of exceptions to raise on successive calls (None = succeed)
    failures: dict[str, list[BaseException | None]] = field(default_factory=dict)
    lose_create_response: int = 0  # create the job, then raise (response lost) this many times
    state_sequence: list[str] = field(default_factory=lambda: ["SUCCEEDED"])
    list_fails_on_page: int | None = None
    model_actions: tuple[str, ...] = ("generateContent", "countTokens", "batchGenerateContent")
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _gets: dict[str, int] = field(default_factory=dict)

    def _maybe_fail(self, op: str) -> None:
        queue = self.failures.get(op)
        if queue:
            exc = queue.pop(0)
            if exc is not None:
                raise exc

    def upload(self, path: Path, display_name: str) -> str:
        self.calls.append(f"upload:{display_name}")
        self._maybe_fail("upload")
        return f"files/up{next(self._ids)}"

    def create(self, model: str, file_name: str, display_name: str) -> JobStatus:
        self.calls.append(f"create:{display_name}")
        self._maybe_fail("create")
        job = JobStatus(
            name=f"batches/job{next(self._ids)}",
            display_name=display_name,
            state="PENDING",
            model=model,
            request_count=2,
            create_time=f"2026-01-01T00:00:{len(self.jobs):02d}Z",
        )
        self.jobs[job.name] = job
        if self.lose_create_response:
            self.lose_create_response -= 1
            raise AmbiguousCreate("connection dropped after the job was created")
        return job

    def created(self) -> list[str]:
        return [c for c in self.calls if c.startswith("create:")]

    def get(self, job_name: str) -> JobStatus:
        self.calls.append(f"get:{job_name}")
        self._maybe_fail("get")
        n = self._gets.get(job_name, 0)
        self._gets[job_name] = n + 1
        state = self.state_sequence[min(n, len(self.state_sequence) - 1)]
        job = self.jobs[job_name]
        done = state in {"SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"}
        return JobStatus(
            name=job.name,
            display_name=job.display_name,
            state=state,
            model=job.model,
            request_count=2,
            succeeded=2 if state == "SUCCEEDED" else 0,
            pending=0 if done else 2,
            output_file=f"files/batch-{job.name[8:]}" if state == "SUCCEEDED" else None,
            create_time=job.create_time,
        )

    def iter_jobs(self, page_size: int = 100) -> Iterator[JobStatus]:
        self.calls.append("list")
        for i, job in enumerate(list(self.jobs.values())):
            if self.list_fails_on_page is not None and i >= self.list_fails_on_page:
                raise RemoteListingIncomplete("page 2 failed")
            yield job

    def download(self, file_name: str, dest: Path) -> None:
        self.calls.append(f"download:{file_name}")
        dest.write_bytes(b"")

    def cancel(self, job_name: str) -> None:
        self.calls.append(f"cancel:{job_name}")

    def get_model(self, name: str) -> ModelInfo:
        self.calls.append(f"get_model:{name}")
        self._maybe_fail("get_model")
        return ModelInfo(name=name, supported_actions=self.model_actions)

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        from emobatch.tokens import request_prompt_tokens

        self.calls.append(f"count_tokens:{model}")
        self._maybe_fail("count_tokens")
        return request_prompt_tokens(request)

    def generate_content(
        self, model: str, request: dict[str, Any], *, service_tier: str = "standard"
    ) -> dict[str, Any]:
        """Answers the post's text back as a valid coding; failures as queued."""
        text = request["contents"][0]["parts"][0]["text"]
        self.calls.append(f"generate:{service_tier}:{text}")
        self._maybe_fail("generate_content")
        answer = {"primary_emotion": "joy", "intensities": {}, "sentiment": "positive",
                  "sentiment_score": 0.5, "rationale": text}  # fmt: skip
        import json

        return {
            "candidates": [
                {"content": {"parts": [{"text": json.dumps(answer)}]}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5},
            "modelVersion": model,
        }

    def close(self) -> None:
        self.calls.append("close")


def record_interrupted_intent(
    ledger, chunk: Path, analysis: str, key_fp: str, display: str | None = None
) -> str:
    """Write the ledger state a crash between intent and confirmation leaves; returns the sha."""
    from emobatch.identity import display_name, file_sha256

    sha = file_sha256(chunk)
    ledger.append(
        "intent",
        chunk_sha256=sha,
        analysis_id=analysis,
        attempt=0,
        display_name=display or display_name(sha, analysis),
        key_fp=key_fp,
    )
    return sha
