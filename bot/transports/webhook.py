"""Alerts to référents by a signed webhook: the alert as JSON, signed
`X-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`; any answer but 2xx, or no
answer within WEBHOOK_TIMEOUT_SECONDS, is a failure (retried by the outbox engine)."""

import asyncio
import hashlib
import hmac
import json
from typing import Callable

import aiohttp

from bot.storage.alerts import AlertMessage

WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_transport(url: str, secret: str) -> Callable[[AlertMessage], None]:
    async def post(body: bytes) -> None:
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_SECONDS)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            response.raise_for_status()

    def send(alert: AlertMessage) -> None:
        body = json.dumps(alert.as_dict(), ensure_ascii=False).encode("utf-8")
        asyncio.run(post(body))

    return send
