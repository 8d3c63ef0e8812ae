"""Progress of a waiting job: a bar on a terminal, periodic plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger("emobatch.progress")


def _eta(done: int, total: int, elapsed: float) -> str:
    if done <= 0 or total <= 0 or done >= total:
        return "unknown" if done < total else "0s"
    seconds = elapsed / done * (total - done)
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class Progress:
    """Reports request counts, elapsed time and an estimate of time left for one job."""

    def __init__(self, label: str, *, tty: bool | None = None, every_seconds: float = 60.0):
        self.label = label
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.every = every_seconds
        self._last_report = -1e18
        self._bar: Any = None

    def update(self, status: Any, elapsed: float) -> None:
        done = status.succeeded + status.failed
        total = status.request_count
        line = (
            f"{self.label} {status.name}: {status.state} {done}/{total} requests "
            f"({status.succeeded} ok, {status.failed} failed, {status.pending} pending), "
            f"elapsed {int(elapsed)}s, left ~{_eta(done, total, elapsed)}"
        )
        if self.tty:
            self._tty_update(done, total, status.state)
        if status.done or elapsed - self._last_report >= self.every:
            log.info(line)
            self._last_report = elapsed

    def _tty_update(self, done: int, total: int, state: str) -> None:
        from rich.progress import Progress as RichProgress

        if self._bar is None:
            self._bar = RichProgress(transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=max(total, 1))
        self._bar.update(
            self._task, completed=done, total=max(total, 1), description=f"{self.label} [{state}]"
        )
        if state in {"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"}:
            self._bar.stop()
