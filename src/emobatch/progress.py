"""Progress of a waiting job: a status line on a terminal, a plain log line at most once a minute.

On a terminal (stderr is a tty) one status line is redrawn in place every second while the job
is waited for::

    sampling/chunk-0000 batches/7bu9…: RUNNING 120/384 requests (118 ok, 2 failed, 264 pending)
      elapsed 2m05s · last check 3s ago · next check in 37s · left ~3m31s

Log records written to the terminal clear the line first (a filter on the stderr handler), so
log lines are never mangled; the next tick draws it again. Without a terminal, a plain INFO line
with the same facts is logged at most once every ``every_seconds`` (60 by default), and always
when the job reaches a terminal state.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

log = logging.getLogger("emobatch.progress")
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})
_CLEAR = "\r\x1b[2K"


def human_seconds(seconds: float) -> str:
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _eta(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or total <= 0 or done >= total:
        return "unknown" if done < total else "0s"
    return human_seconds(elapsed / done * (total - done))


class _ClearBeforeLogging(logging.Filter):
    """Clears the status line before a record reaches the terminal."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress.clear()
        return True


class Progress:
    """Reports state, request counts, elapsed time, last and next check for one job."""

    def __init__(
        self,
        label: str,
        *,
        tty: bool | None = None,
        every_seconds: float = 60.0,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every_seconds
        self._last_report = -1e18
        self._status: Any = None
        self._checked_at = 0.0
        self._shown = False
        self._filter: _ClearBeforeLogging | None = None

    # -- what the poller calls ------------------------------------------------------------
    def update(self, status: Any, elapsed: float) -> None:
        """A fresh status from the provider, ``elapsed`` seconds after waiting began."""
        self._status, self._checked_at = status, elapsed
        if self.tty:
            self._attach()
            self.tick(elapsed, None)
        if status.done or elapsed - self._last_report >= self.every:
            self.clear()
            log.info(self.line(elapsed, None))
            self._last_report = elapsed
        if status.done:
            self.close()

    def tick(self, elapsed: float, next_check_in: float | None) -> None:
        """Redraw the status line between checks (terminal only)."""
        if not self.tty or self._status is None:
            return
        self.stream.write(_CLEAR + self.line(elapsed, next_check_in))
        self.stream.flush()
        self._shown = True

    def line(self, elapsed: float, next_check_in: float | None) -> str:
        s = self._status
        done, total = s.succeeded + s.failed, s.request_count
        parts = [
            f"elapsed {human_seconds(elapsed)}",
            f"last check {human_seconds(elapsed - self._checked_at)} ago",
        ]
        if next_check_in is not None and s.state not in TERMINAL:
            parts.append(f"next check in {human_seconds(next_check_in)}")
        parts.append(f"left ~{_eta(done, total, elapsed)}")
        return (
            f"{self.label} {s.name}: {s.state} {done}/{total} requests ({s.succeeded} ok, "
            f"{s.failed} failed, {s.pending} pending) · " + " · ".join(parts)
        )

    # -- terminal plumbing ----------------------------------------------------------------
    def clear(self) -> None:
        if self._shown:
            self.stream.write(_CLEAR)
            self.stream.flush()
            self._shown = False

    def _attach(self) -> None:
        if self._filter is not None:
            return
        self._filter = _ClearBeforeLogging(self)
        for handler in logging.getLogger().handlers:
            if getattr(handler, "stream", None) is self.stream:
                handler.addFilter(self._filter)

    def close(self) -> None:
        self.clear()
        if self._filter is not None:
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._filter)
            self._filter = None
