"""API timestamps and ages, as the job views show them."""

from __future__ import annotations

import datetime as dt

from emobatch.backends.base import TERMINAL_STATES
from emobatch.timefmt import TERMINAL, age_seconds, human_age, one_line, parse_time


def test_api_times_with_nanoseconds_and_ages() -> None:
    t = parse_time("2026-01-01T00:00:00.123456789Z")
    assert t == dt.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)
    assert parse_time("2026-01-01T09:00:00") == dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert parse_time("yesterday") is None and parse_time(None) is None
    now = dt.datetime(2026, 1, 2, 1, 2, 3, tzinfo=dt.UTC)
    assert age_seconds("2026-01-01T00:00:00Z", now) == 90123.0
    assert [human_age(s) for s in (None, -5, 42, 185, 7620, 90123)] == [
        "-", "0s", "42s", "3m05s", "2h07m", "1d01h",
    ]  # fmt: skip
    assert one_line(ValueError("a\n  next step: b")) == "a next step: b"
    assert TERMINAL is TERMINAL_STATES
