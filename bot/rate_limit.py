"""A sliding-window counter: at most so many events per key in a window of time, in memory.

Used for what the public reaches (channels/rate_limit.py) and for sign-in attempts (console).
"""

import time
from collections import deque
from typing import Callable, Deque, Dict

WINDOW_SECONDS = 60.0


class SlidingWindow:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: Dict[str, Deque[float]] = {}

    def wait(self, key: str) -> float:
        """0 when an event for `key` is allowed now (and counted), else the seconds to wait."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= self.max_keys:
                self._forget_idle(now)
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        return 0.0

    def full(self, key: str) -> bool:
        """Whether the next event for `key` would be refused (nothing is counted)."""
        if self.limit <= 0:
            return False
        now = self.clock()
        return sum(1 for t in self._events.get(key, ()) if t > now - self.window) >= self.limit

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, e in self._events.items() if not e or e[-1] <= now - self.window]:
            del self._events[key]
