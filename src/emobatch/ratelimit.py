"""A client-side rate limiter for synchronous calls: requests and tokens per minute.

Two token buckets (requests, input tokens) refill continuously at ``per_minute / 60`` per second
and hold at most one minute's worth. :meth:`RateLimiter.acquire` blocks until both have room for
one request of ``tokens`` tokens, then takes them. Thread-safe; the clock and the sleep are
injectable so tests assert the exact waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    requests_per_minute: float
    tokens_per_minute: float
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._requests = self.requests_per_minute  # full buckets: a burst of one minute
        self._tokens = self.tokens_per_minute
        self._at = self.monotonic()

    def _refill(self) -> None:
        now = self.monotonic()
        elapsed, self._at = max(now - self._at, 0.0), now
        self._requests = min(
            self.requests_per_minute, self._requests + elapsed * self.requests_per_minute / 60
        )
        self._tokens = min(
            self.tokens_per_minute, self._tokens + elapsed * self.tokens_per_minute / 60
        )

    def wait_for(self, tokens: int) -> float:
        """Seconds until a request of ``tokens`` may start (0 = now); takes nothing."""
        with self._lock:
            self._refill()
            tokens = min(tokens, int(self.tokens_per_minute))  # a huge request waits one minute
            need_r = max(1 - self._requests, 0.0) * 60 / self.requests_per_minute
            need_t = max(tokens - self._tokens, 0.0) * 60 / self.tokens_per_minute
            return max(need_r, need_t)

    def acquire(self, tokens: int) -> float:
        """Block until the request may start, take its share; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                self._refill()
                t = min(tokens, int(self.tokens_per_minute))
                if self._requests >= 1 and self._tokens >= t:
                    self._requests -= 1
                    self._tokens -= t
                    return waited
            delay = max(self.wait_for(tokens), 0.001)
            self.sleep(delay)
            waited += delay
