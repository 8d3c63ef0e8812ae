"""Retries of idempotent calls: which errors, how many attempts, which waits."""

from __future__ import annotations

import pytest
from google.genai import errors as genai_errors

from emobatch.retry import RetryPolicy, call_idempotent, is_ambiguous_create_failure, is_transient
from tests.pipeline.fakes import api_error


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
    with pytest.raises(genai_errors.ServerError):
        call_idempotent("get", fn, policy)
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("exc", "transient", "ambiguous"),
    [
        (api_error(429), True, False),
        (api_error(408), True, True),
        (api_error(500), True, True),
        (api_error(503), True, True),
        (api_error(400), False, False),
        (api_error(403), False, False),
        (ConnectionError(), True, True),
        (ValueError(), False, False),
    ],
)
def test_error_classes(exc, transient, ambiguous):
    assert is_transient(exc) is transient
    assert is_ambiguous_create_failure(exc) is ambiguous
