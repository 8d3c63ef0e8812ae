"""The emulator's sense of time: an injectable clock (real time by default).

Everything time-dependent reads the server's clock: job progression (the latency model in
:mod:`.jobs`), create/update/expiration times of files and jobs, the date that decides
whether a catalogue model is shut down, and the waits the HTTP layer adds before answering
(latency, ``delay`` faults).

- :class:`SystemClock` (the default) is wall-clock time and really sleeps.
- :class:`ManualClock` is for tests: time only moves when the test calls :meth:`advance`
  or :meth:`set`, and :meth:`ManualClock.sleep` advances the clock instead of blocking, so a
  15-minute Flex latency costs no real time. Every sleep is recorded in ``slept``.

A clock is per server process; a state directory shared by several processes sees each
process's own clock (tests that use a manual clock use one server per state directory).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]

_NS = 1_000_000_000


@runtime_checkable
class Clock(Protocol):
    """What the emulator needs from a clock."""

    def now_ns(self) -> int:
        """Nanoseconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a manual clock advances instead)."""
        ...


def today(clock: Clock) -> dt.date:
    """The UTC date of ``clock`` (decides catalogue shutdowns)."""
    return dt.datetime.fromtimestamp(clock.now_ns() / _NS, tz=dt.UTC).date()


class SystemClock:
    """Real time: ``time.time_ns`` and ``time.sleep``."""

    def now_ns(self) -> int:
        return time.time_ns()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that tests move by hand (thread-safe).

    ``start`` is a datetime (naive = UTC), epoch seconds, or ``None`` for the current time.
    """

    def __init__(self, start: dt.datetime | float | None = None) -> None:
        if start is None:
            ns = time.time_ns()
        elif isinstance(start, dt.datetime):
            aware = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
            ns = int(aware.timestamp() * _NS)
        else:
            ns = int(start * _NS)
        self._ns = ns
        self._lock = threading.Lock()
        #: Every ``sleep`` asked of this clock, in seconds, in order.
        self.slept: list[float] = []

    def now_ns(self) -> int:
        with self._lock:
            return self._ns

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (negative values are refused)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._ns += int(seconds * _NS)

    def set(self, when: dt.datetime) -> None:
        """Jump to ``when`` (naive = UTC; may move backwards, for date-based tests)."""
        aware = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        with self._lock:
            self._ns = int(aware.timestamp() * _NS)

    def sleep(self, seconds: float) -> None:
        """Record the wait and advance the clock by it; returns at once."""
        if seconds <= 0:
            return
        with self._lock:
            self.slept.append(float(seconds))
            self._ns += int(seconds * _NS)

    def __repr__(self) -> str:
        return f"ManualClock(now_ns={self.now_ns()})"
