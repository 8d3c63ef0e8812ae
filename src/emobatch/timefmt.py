"""Times and short texts for the operator's views: API timestamps, ages, one-line errors.

Shared by the domain operations (:mod:`emobatch.operations`) and the CLI that renders them; it
reads and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from emobatch.backends.base import TERMINAL_STATES

__all__ = ["TERMINAL", "age_seconds", "human_age", "one_line", "parse_time"]

#: The states after which a batch job never changes again.
TERMINAL = TERMINAL_STATES

_FRACTION = re.compile(r"(\.\d{6})\d+")


def one_line(exc: BaseException) -> str:
    """An exception's text with its whitespace (newlines, hints) folded into single spaces."""
    return " ".join(str(exc).split())


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time as written by the API (nanoseconds, ``Z``) or by emobatch."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def age_seconds(since: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds from ``since`` (an ISO time) to ``now`` (default: the current UTC time)."""
    start = parse_time(since)
    if start is None:
        return None
    return ((now or dt.datetime.now(dt.UTC)) - start).total_seconds()


def human_age(seconds: float | None) -> str:
    """``42s``, ``3m05s``, ``2h07m``, ``1d03h`` (``-`` when unknown)."""
    if seconds is None:
        return "-"
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"
