"""One exception hierarchy for emobatch.

Every message says what was found, where (file, row, column, job) and what to do next.
The CLI and the Snakemake scripts turn these into a one-paragraph error, never a traceback.
"""

from __future__ import annotations


class EmobatchError(Exception):
    """Base class: an error a user can act on."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message if hint is None else f"{message}\n  next step: {hint}")


class ConfigError(EmobatchError):
    """The configuration is invalid (names the key)."""


class InputDataError(EmobatchError):
    """The posts file cannot be read as asked (names the file, row and column)."""


class CodebookError(EmobatchError):
    """The codebook file is invalid."""


class BackendError(EmobatchError):
    """The batch API (Gemini or the local emulator) failed in a way retries did not fix.

    Backends raise these (and only these) at the seam; ``code`` is the HTTP status if any.
    """

    def __init__(self, message: str, *, hint: str | None = None, code: int | None = None) -> None:
        self.code = code
        super().__init__(message, hint=hint)


class TransientBackendError(BackendError):
    """A failure a retry of an idempotent call may cure (408, 429, 5xx, timeout, dropped)."""


class RateLimited(TransientBackendError):
    """HTTP 429 RESOURCE_EXHAUSTED: nothing was done; retry after a wait."""


class RefusedByBackend(BackendError):
    """The provider refused the call (a 4xx other than 408/429): retrying will not help."""


class NotFoundError(RefusedByBackend):
    """HTTP 404: the job, file or model does not exist for this key."""


class AmbiguousCreate(BackendError):
    """Creating a job failed in a way that may still have created it (timeout, 5xx, lost reply):
    reconcile by display name before any retry."""


class ModelUnavailable(RefusedByBackend):
    """The provider does not know the model, or it cannot run batch jobs."""


class SubmissionError(EmobatchError):
    """Submitting a chunk could not be done safely (the ledger refused, reconciliation failed)."""


class JobError(EmobatchError):
    """A batch job ended in a state that leaves work undone (FAILED, CANCELLED, EXPIRED)."""


class JobStillRunning(EmobatchError):
    """Non-blocking poll: the job has not reached a terminal state yet."""


class CoverageError(EmobatchError):
    """A submitted request key did not come back, or came back twice."""


class ValidationGateClosed(EmobatchError):
    """``full`` on a paid backend without a passing validation of the current analysis."""


class BudgetExceeded(EmobatchError):
    """The run's cost estimate is above `budget_usd`."""
