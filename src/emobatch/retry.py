"""Retry policy for idempotent API calls (tenacity: exponential backoff with jitter).

Retried: :class:`emobatch.errors.TransientBackendError` (what the backends make of HTTP 408, 429
and 5xx), timeouts and dropped connections. Bounded in attempts and in
total time; every wait is logged. ``batches.create`` is NOT idempotent and never goes through
:func:`call_idempotent` (see ``emobatch.stages.submit``): only a 429 on create is retried blindly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from emobatch.errors import AmbiguousCreate, BackendError, TransientBackendError

T = TypeVar("T")
log = logging.getLogger("emobatch.retry")

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def _transport_error_types() -> tuple[type[BaseException], ...]:
    types_: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for mod in ("httpx2", "httpx"):
        try:
            module = __import__(mod)
            types_.append(module.TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(types_)


TRANSPORT_ERRORS = _transport_error_types()


def status_of(exc: BaseException) -> int | None:
    """HTTP status of a backend error, else None."""
    return exc.code if isinstance(exc, BackendError) else None


def is_transient(exc: BaseException) -> bool:
    """True for errors that a retry of an idempotent call may cure (the backends translate SDK
    errors into :class:`TransientBackendError` at the seam)."""
    return isinstance(exc, (TransientBackendError, *TRANSPORT_ERRORS))


def is_ambiguous_create_failure(exc: BaseException) -> bool:
    """A create that failed this way may still have created the job (timeout, 5xx, lost reply)."""
    return isinstance(exc, (AmbiguousCreate, *TRANSPORT_ERRORS))


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    initial_delay: float = 1.0
    max_delay: float = 60.0
    max_total_seconds: float = 600.0
    jitter: float = 1.0
    sleep: Callable[[float], None] = time.sleep


def _log_before_sleep(what: str) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s failed (attempt %d: %s); retrying in %.2fs",
            what,
            state.attempt_number,
            _describe(exc),
            wait,
        )

    return before_sleep


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    code = status_of(exc)
    if code is not None:
        return f"HTTP {code} {getattr(exc, 'status', '') or ''}".strip()
    return f"{type(exc).__name__}: {exc}"[:200]


def call_idempotent(
    what: str,
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    retry_if: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Call ``fn`` and retry transient failures per ``policy``; re-raise the last error."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts)
        | tenacity.stop_after_delay(policy.max_total_seconds),
        wait=tenacity.wait_exponential_jitter(
            initial=policy.initial_delay, max=policy.max_delay, jitter=policy.jitter
        ),
        retry=tenacity.retry_if_exception(retry_if),
        before_sleep=_log_before_sleep(what),
        sleep=policy.sleep,
        reraise=True,
    )
    return retrying(fn)
