"""Limits on what the public reaches: messages per conversation and per client address on the REST
and web webhooks (the SMS channel limits each phone number itself).

Without them one script could fill every café emploi place with fictional numbers, raise hundreds
of call-back alerts or flood the coordinators' inbox. A limited request gets a 429 with a French
message and a Retry-After header; nothing of it reaches Rasa. Counts are kept in memory, per
Rasa server: behind several servers (deploy/), nginx limits per address as well.

WEBHOOK_LIMIT_PER_SENDER (default 30) and WEBHOOK_LIMIT_PER_ADDRESS (default 600) are per minute;
0 turns one off (deploy/: the Rasa servers see only nginx's address, nginx limits per address).
Loopback is not limited per address: it is this machine (the console's desk, the evaluations),
never a resident.
"""

import math
import os
import time
from collections import deque
from typing import Callable, Deque, Dict, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

WINDOW_SECONDS = 60.0
LOOPBACK = {"127.0.0.1", "::1"}
LIMITED = {
    "error": "trop_de_messages",
    "message": "Vous envoyez beaucoup de messages. Attendez une minute, puis réessayez.",
}


class SlidingWindow:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
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

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, e in self._events.items() if not e or e[-1] <= now - self.window]:
            del self._events[key]


class WebhookLimits:
    """The per-sender and per-address windows of one channel."""

    def __init__(self) -> None:
        self.senders = SlidingWindow(int(os.environ.get("WEBHOOK_LIMIT_PER_SENDER", 30)))
        self.addresses = SlidingWindow(int(os.environ.get("WEBHOOK_LIMIT_PER_ADDRESS", 600)))

    def check_address(self, request: Request) -> Optional[HTTPResponse]:
        """None when the client address may send now; else the 429 to send back."""
        address = request.remote_addr or request.ip or "?"
        if address in LOOPBACK:
            return None
        return _limited(self.addresses.wait(address))

    def check_sender(self, sender: Optional[str]) -> Optional[HTTPResponse]:
        """None when the conversation may send now; else the 429 to send back."""
        return _limited(self.senders.wait(sender)) if sender else None


def _limited(wait: float) -> Optional[HTTPResponse]:
    if not wait:
        return None
    return response.json(LIMITED, status=429,
                         headers={"Retry-After": str(max(1, math.ceil(wait)))})
