"""SDK exceptions -> emobatch's backend errors: the only module that knows google-genai's errors.

Everything above the backends (stages, the CLI, test fakes) sees :class:`BackendError` and its
subclasses only:

==============================================  ==================================
SDK / transport failure                          emobatch error
==============================================  ==================================
HTTP 429                                         :class:`RateLimited` (transient)
HTTP 408, 5xx; timeouts and dropped connections  :class:`TransientBackendError`
HTTP 404                                         :class:`NotFoundError`
any other 4xx                                    :class:`RefusedByBackend`
==============================================  ==================================

For ``batches.create`` a transient failure other than 429 becomes :class:`AmbiguousCreate`: the
job may exist, so the submit stage reconciles before any retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from google.genai import errors as genai_errors

from emobatch.errors import (
    AmbiguousCreate,
    BackendError,
    NotFoundError,
    RateLimited,
    RefusedByBackend,
    TransientBackendError,
)
from emobatch.retry import RETRYABLE_STATUS, TRANSPORT_ERRORS

T = TypeVar("T")


def translate(exc: BaseException, what: str) -> BaseException:
    """The emobatch error for an SDK or transport exception raised by ``what``; other
    exceptions (bugs) are returned unchanged."""
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, TRANSPORT_ERRORS):
        return TransientBackendError(
            f"{what} failed: {type(exc).__name__}: {exc}"[:500],
            hint="check the network and the service status, then re-run the same command",
        )
    if not isinstance(exc, genai_errors.APIError):
        return exc
    code = int(exc.code) if exc.code is not None else None
    text = f"{what}: HTTP {code} {exc.status or ''}: {exc.message or exc}".replace("  ", " ")
    if code == 429:
        return RateLimited(text, code=code, hint="wait and re-run; or lower the request rate")
    if code is not None and code in RETRYABLE_STATUS:
        return TransientBackendError(text, code=code, hint="re-run the same command later")
    if code == 404:
        return NotFoundError(
            text, code=code, hint="check the name with `emobatch jobs list --remote`"
        )
    return RefusedByBackend(text, code=code, hint="check the key, the model and the input")


def guarded(
    what: str,
    fn: Callable[[], T],
    translator: Callable[[BaseException, str], BaseException] = translate,
) -> Callable[[], T]:
    """``fn`` with its SDK exceptions translated (for retry loops over emobatch errors);
    ``translator`` maps other libraries' errors the same way (see ``gcp_errors``)."""

    def call() -> T:
        try:
            return fn()
        except Exception as exc:
            translated = translator(exc, what)
            if translated is exc:
                raise
            raise translated from exc

    return call


def translate_create(exc: BaseException, what: str) -> BaseException:
    """Like :func:`translate`, but a create whose outcome is unknown is AmbiguousCreate."""
    out = translate(exc, what)
    if isinstance(out, TransientBackendError) and not isinstance(out, RateLimited):
        return AmbiguousCreate(
            str(out).split("\n  next step:")[0],
            code=out.code,
            hint="the job may exist: reconcile by display name before retrying",
        )
    return out
