"""Reading the operator's answers from stdin: lines, single keys, timeouts, end of input.

Input is read from the file descriptor with its own buffer, so that waiting for a key with a
timeout (``select``) and reading whole lines never disagree about what was typed, whether stdin
is a terminal, a pipe or a file. On a terminal, :meth:`Input.keys` switches to cbreak mode
(single keys, no echo; Ctrl-C still interrupts). An in-memory stream (click's test runner)
is read line by line without timeouts.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from collections.abc import Iterator
from typing import Any


class Input:
    """Lines (and, on a terminal, single keys) from stdin, with timeouts."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdin
        try:
            self.fd: int | None = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
            self.fd = None
        self.buffer = b""
        self.closed = False
        self.tty = self.fd is not None and os.isatty(self.fd)

    def _fill(self, timeout: float | None) -> bool:
        """Read what is available; False on timeout."""
        if self.fd is None:
            line = self.stream.readline()
            if not line:
                self.closed = True
            self.buffer += line.encode("utf-8") if isinstance(line, str) else line
            return True
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        data = os.read(self.fd, 4096)
        if not data:
            self.closed = True
        self.buffer += data
        return True

    def readline(self, timeout: float | None = None) -> str | None:
        """One line without its newline, or None on timeout; EOFError at the end of input."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self.buffer and not self.closed:
            left = None if deadline is None else max(deadline - time.monotonic(), 0)
            if not self._fill(left) and deadline is not None:
                return None
        if b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
        elif self.buffer:
            line, self.buffer = self.buffer, b""
        else:
            raise EOFError
        return line.decode("utf-8", "replace").strip()

    def key(self, timeout: float) -> str | None:
        """A key pressed within ``timeout`` (a line when not a terminal), or None; EOFError."""
        if self.buffer or not self.tty:
            return self.readline(timeout)
        if not self._fill(timeout):
            return None
        if not self.buffer:
            raise EOFError
        char, self.buffer = self.buffer[:1], self.buffer[1:]
        return char.decode("utf-8", "replace")

    @contextlib.contextmanager
    def keys(self) -> Iterator[None]:
        """Single keys without Enter (and without echo) while inside, on a terminal."""
        fd = self.fd
        if not self.tty or fd is None:
            yield
            return
        import termios
        import tty

        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
