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
from typing import Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rate_limit import SlidingWindow
from bot.texts import text

LOOPBACK = {"127.0.0.1", "::1"}


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
    limited = {"error": "trop_de_messages", "message": text("limits.too_many_messages")}
    return response.json(limited, status=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
