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
    """The batch API (Gemini or the local emulator) failed in a way retries did not fix."""


class ModelUnavailable(BackendError):
    """The provider does not know the model, or it cannot run batch jobs."""


class SubmissionError(EmobatchError):
    """Submitting a chunk could not be done safely (the ledger refused, reconciliation failed)."""


class JobError(EmobatchError):
    """A batch job ended in a state that leaves work undone (FAILED, CANCELLED, EXPIRED)."""


class JobStillRunning(EmobatchError):
    """Non-blocking poll: the job has not reached a terminal state yet."""


class CoverageError(EmobatchError):
    """A submitted request key did not come back, or came back twice."""


class BudgetExceeded(EmobatchError):
    """The run's cost estimate is above `budget_usd`."""
