"""The seam between the pipeline and a batch provider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})


class RemoteListingIncomplete(Exception):
    """Listing the provider's jobs failed part-way: absence of a job is NOT proven."""


def _count(stats: dict[str, Any], key: str) -> int:
    value = stats.get(key)
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class JobStatus:
    """A batch job as the REST API reports it (including ``batchStats``, which the SDK drops)."""

    name: str
    display_name: str | None
    state: str  # PENDING | RUNNING | SUCCEEDED | FAILED | CANCELLED | EXPIRED | UNSPECIFIED
    model: str | None = None
    request_count: int = 0
    succeeded: int = 0
    failed: int = 0
    pending: int = 0
    output_file: str | None = None
    create_time: str | None = None
    update_time: str | None = None
    end_time: str | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def done(self) -> bool:
        return self.state in TERMINAL_STATES

    @classmethod
    def from_operation(cls, op: dict[str, Any]) -> JobStatus:
        """Parse a REST Operation (``{"name", "metadata": GenerateContentBatch, "done", ...}``)."""
        meta = op.get("metadata") or {}
        raw_state = str(meta.get("state") or "BATCH_STATE_UNSPECIFIED")
        state = raw_state.removeprefix("BATCH_STATE_").removeprefix("JOB_STATE_")
        stats = meta.get("batchStats") or {}
        output = meta.get("output") or {}
        err = op.get("error") or meta.get("error")
        return cls(
            name=str(op.get("name") or meta.get("name") or ""),
            display_name=meta.get("displayName"),
            state=state,
            model=meta.get("model"),
            request_count=_count(stats, "requestCount"),
            succeeded=_count(stats, "successfulRequestCount"),
            failed=_count(stats, "failedRequestCount"),
            pending=_count(stats, "pendingRequestCount"),
            output_file=output.get("responsesFile"),
            create_time=meta.get("createTime"),
            update_time=meta.get("updateTime"),
            end_time=meta.get("endTime"),
            error=(err.get("message") if isinstance(err, dict) else None),
            raw=op,
        )


@dataclass(frozen=True)
class ModelInfo:
    """A model as the provider describes it (``models.get``)."""

    name: str  # without the models/ prefix
    supported_actions: tuple[str, ...] = ()
    version: str | None = None
    display_name: str | None = None


class BatchBackend(Protocol):
    """What the pipeline needs from a provider. Implementations do not retry ``create``."""

    name: str
    api_key_fingerprint: str

    def upload(self, path: Path, display_name: str) -> str:
        """Upload a JSONL file (resumable); return the file name ``files/...``."""

    def create(self, model: str, file_name: str, display_name: str) -> JobStatus:
        """Create a batch job from an uploaded file. One attempt: NOT idempotent."""

    def get(self, job_name: str) -> JobStatus:
        """Current state and counts of a job."""

    def iter_jobs(self, page_size: int = 100) -> Iterator[JobStatus]:
        """Every job of the project, across all pages; raises RemoteListingIncomplete."""

    def download(self, file_name: str, dest: Path) -> None:
        """Write an output file's bytes verbatim to ``dest``."""

    def cancel(self, job_name: str) -> None:
        """Ask the provider to cancel a job."""

    def get_model(self, name: str) -> ModelInfo:
        """The provider's description of a model; raises ModelUnavailable when it has none."""

    def count_tokens(self, model: str, request: dict[str, Any]) -> int:
        """The provider's token count of a GenerateContentRequest's prompt."""

    def generate_content(
        self, model: str, request: dict[str, Any], *, service_tier: str = "standard"
    ) -> dict[str, Any]:
        """One synchronous call (Flex or standard tier); the REST GenerateContentResponse."""

    def close(self) -> None:
        """Release connections (and, for ``local``, stop the in-process emulator)."""
