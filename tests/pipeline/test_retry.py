"""Retries of idempotent calls: which errors, how many attempts, which waits."""

from __future__ import annotations

import pytest
from google.genai import errors as genai_errors

from emobatch.backends.sdk_errors import guarded, translate, translate_create
from emobatch.errors import (
    AmbiguousCreate,
    NotFoundError,
    RateLimited,
    RefusedByBackend,
    TransientBackendError,
)
from emobatch.retry import RetryPolicy, call_idempotent, is_ambiguous_create_failure, is_transient
from tests.pipeline.fakes import api_error, create_error


def sdk_error(code: int, status: str = "") -> genai_errors.APIError:
    """A real SDK exception, as google-genai raises it for an HTTP error answer."""
    body = {"error": {"code": code, "message": f"injected {code}", "status": status}}
    cls = genai_errors.ClientError if code < 500 else genai_errors.ServerError
    return cls(code, body)


def flaky(errors: list[BaseException]):
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "done"

    return fn, calls


def test_transient_errors_are_retried_with_exponential_waits():
    sleeps: list[float] = []
    policy = RetryPolicy(
        attempts=5, initial_delay=1.0, max_delay=60, jitter=0.0, sleep=sleeps.append
    )
    fn, calls = flaky(
        [api_error(503), api_error(429), ConnectionError("reset"), TimeoutError("slow")]
    )
    assert call_idempotent("get", fn, policy) == "done"
    assert len(calls) == 5
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_permanent_errors_are_not_retried():
    policy = RetryPolicy(sleep=lambda s: None)
    fn, calls = flaky([api_error(404, "NOT_FOUND")])
    with pytest.raises(Exception) as info:
        call_idempotent("get", fn, policy)
    assert getattr(info.value, "code", None) == 404
    assert len(calls) == 1


def test_attempts_are_bounded():
    policy = RetryPolicy(attempts=3, initial_delay=0.5, jitter=0.0, sleep=lambda s: None)
    fn, calls = flaky([api_error(500)] * 10)
    with pytest.raises(TransientBackendError):
        call_idempotent("get", fn, policy)
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("exc", "transient", "ambiguous"),
    [
        (create_error(429), True, False),
        (create_error(408), False, True),
        (create_error(500), False, True),
        (create_error(503), False, True),
        (api_error(503), True, False),
        (create_error(400), False, False),
        (create_error(403), False, False),
        (ConnectionError(), True, True),
        (ValueError(), False, False),
    ],
)
def test_error_classes(exc, transient, ambiguous):
    assert is_transient(exc) is transient
    assert is_ambiguous_create_failure(exc) is ambiguous


@pytest.mark.parametrize(
    ("code", "cls", "create_cls"),
    [
        (429, RateLimited, RateLimited),
        (408, TransientBackendError, AmbiguousCreate),
        (500, TransientBackendError, AmbiguousCreate),
        (503, TransientBackendError, AmbiguousCreate),
        (404, NotFoundError, NotFoundError),
        (400, RefusedByBackend, RefusedByBackend),
        (403, RefusedByBackend, RefusedByBackend),
    ],
)
def test_the_seam_translates_sdk_errors(code, cls, create_cls):
    out = translate(sdk_error(code, "X"), "status of batches/1")
    assert type(out) is cls and out.code == code
    assert "status of batches/1: HTTP" in str(out) and "next step" in str(out)
    assert type(translate_create(sdk_error(code), "create")) is create_cls
    dropped = translate_create(ConnectionError("reset"), "create")
    assert isinstance(dropped, AmbiguousCreate)
    bug = ValueError("a bug")
    assert translate(bug, "x") is bug  # not an API failure: left alone


def test_guarded_calls_retry_translated_sdk_errors():
    policy = RetryPolicy(attempts=4, initial_delay=0.0, jitter=0.0, sleep=lambda s: None)
    fn, calls = flaky([sdk_error(503), sdk_error(500)])
    assert call_idempotent("get", guarded("get", fn), policy) == "done"
    assert len(calls) == 3
    fn, calls = flaky([sdk_error(404)])
    with pytest.raises(NotFoundError):
        call_idempotent("get", guarded("get", fn), policy)
    assert len(calls) == 1
