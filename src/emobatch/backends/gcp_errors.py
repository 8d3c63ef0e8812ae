"""Google Cloud exceptions -> emobatch's backend errors, for ``backend: vertex``.

Like :mod:`emobatch.backends.sdk_errors` (whose google-genai mapping this extends), the only
place that knows the exceptions of google-cloud-storage (``google.api_core.exceptions``), of
its transport (``requests``) and of google-auth:

===============================================  ==========================================
failure                                          emobatch error
===============================================  ==========================================
google-genai ``APIError``                        as :func:`sdk_errors.translate`
GCS HTTP 429                                     :class:`RateLimited`
GCS HTTP 408/5xx, dropped connections, timeouts  :class:`TransientBackendError`
GCS HTTP 404                                     :class:`NotFoundError`
GCS other 4xx                                    :class:`RefusedByBackend`
credentials that cannot be refreshed             :class:`RefusedByBackend` (401, says how to
                                                 log in again)
===============================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from emobatch.backends import sdk_errors
from emobatch.backends.sdk_errors import translate as translate_sdk
from emobatch.errors import (
    BackendError,
    NotFoundError,
    RateLimited,
    RefusedByBackend,
    TransientBackendError,
)
from emobatch.retry import RETRYABLE_STATUS

T = TypeVar("T")
LOGIN_HINT = (
    "run `gcloud auth application-default login`, or export GOOGLE_APPLICATION_CREDENTIALS="
    "<service-account file>; the account needs roles/aiplatform.user and object access to "
    "the bucket (docs/vertex.md)"
)


def _transport_types() -> tuple[type[BaseException], ...]:
    import requests
    from google.auth import exceptions as auth_errors

    return (
        requests.ConnectionError,
        requests.Timeout,
        auth_errors.TransportError,
        ConnectionError,
        TimeoutError,
    )


def translate(exc: BaseException, what: str) -> BaseException:
    """The emobatch error for a Google Cloud exception raised by ``what``; bugs unchanged."""
    from google.api_core import exceptions as gcs_errors
    from google.auth import exceptions as auth_errors

    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, auth_errors.RefreshError | auth_errors.DefaultCredentialsError):
        return RefusedByBackend(
            f"{what}: the Google Cloud credentials were refused: {exc}"[:500],
            code=401,
            hint=LOGIN_HINT,
        )
    if isinstance(exc, _transport_types()):
        return TransientBackendError(
            f"{what} failed: {type(exc).__name__}: {exc}"[:500],
            hint="check the network and the service status, then re-run the same command",
        )
    if not isinstance(exc, gcs_errors.GoogleAPICallError):
        return translate_sdk(exc, what)
    code = int(exc.code) if exc.code is not None else None
    text = f"{what}: HTTP {code}: {exc.message}"[:500]
    if code == 429:
        return RateLimited(text, code=code, hint="wait and re-run")
    if code is not None and code in RETRYABLE_STATUS:
        return TransientBackendError(text, code=code, hint="re-run the same command later")
    if code == 404:
        return NotFoundError(text, code=code, hint="check vertex.bucket and vertex.prefix")
    if code in (401, 403):
        return RefusedByBackend(text, code=code, hint=LOGIN_HINT)
    return RefusedByBackend(text, code=code, hint="check vertex.bucket and the input file")


def guarded(what: str, fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` with its Google Cloud and SDK exceptions translated."""
    return sdk_errors.guarded(what, fn, translate)
