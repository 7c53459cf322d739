"""Request rate limits per user and per client address: a sliding-window counter.

Kept in the replica's memory on purpose: a limit exists to shed load cheaply, before any
RPC, so it must not cost one. With N replicas behind a balancer a client gets at most N
times the limit; the lockout that protects passwords is in identity, shared by all.
"""
import math
import time
from collections import OrderedDict

WINDOW = 60.0
MAX_KEYS = 100_000  # bounded memory under a flood of distinct addresses


class RateLimiter:
    """``limit`` requests per key per minute, approximated from this and the last window."""

    def __init__(self, limit: int, clock=time.monotonic):
        self.limit = limit
        self._clock = clock
        self._counts: OrderedDict[str, tuple[int, int, int]] = OrderedDict()

    def hit(self, key: str) -> int | None:
        """Count one request; None if allowed, else whole seconds to wait."""
        if self.limit <= 0:
            return None
        now = self._clock()
        window = int(now // WINDOW)
        start, current, previous = self._counts.pop(key, (window, 0, 0))
        if start != window:
            previous = current if start == window - 1 else 0
            start, current = window, 0
        elapsed = now - window * WINDOW
        estimate = previous * (1 - elapsed / WINDOW) + current
        if estimate + 1 > self.limit:
            self._counts[key] = (start, current, previous)
            return self._retry_after(previous, current, elapsed)
        self._counts[key] = (start, current + 1, previous)
        while len(self._counts) > MAX_KEYS:
            self._counts.popitem(last=False)
        return None

    def _retry_after(self, previous: int, current: int, elapsed: float) -> int:
        if previous == 0 or current + 1 > self.limit:
            return max(1, math.ceil(WINDOW - elapsed))
        # the previous window's share decays linearly: wait until one request fits
        needed = (previous + current + 1 - self.limit) / previous * WINDOW
        return max(1, math.ceil(needed - elapsed))
