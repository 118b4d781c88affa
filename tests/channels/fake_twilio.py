"""A local imitation of Twilio's Messages API (the only stand-in in the SMS tests): it checks
the account's Basic auth, records each SMS, answers with Twilio's JSON, and can fail on demand
as an operator that is down does."""

import asyncio
import base64
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import List

from aiohttp import web

from tests.conftest import free_port

ACCOUNT_SID = "AC" + "7e57" * 8
AUTH_TOKEN = "test-auth-token-not-a-secret"


@dataclass(frozen=True)
class SentSms:
    to: str
    from_: str
    body: str


class FakeTwilio:
    def __init__(self) -> None:
        self.port = free_port()
        self.sent: List[SentSms] = []
        self.requests = 0
        self.failures_to_come = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeTwilio":
        self._thread.start()
        assert self._started.wait(10), "fake operator did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def fail_next(self, count: int) -> None:
        with self._lock:
            self.failures_to_come = count

    def sent_to(self, number: str) -> List[str]:
        with self._lock:
            return [sms.body for sms in self.sent if sms.to == number]

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    async def _create(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if (
            request.match_info["sid"] != ACCOUNT_SID
            or request.headers.get("Authorization") != expected
        ):
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "more_info": "", "status": 401},
                status=401,
            )
        form = await request.post()
        with self._lock:
            self.requests += 1
            if self.failures_to_come:
                self.failures_to_come -= 1
                return web.json_response(
                    {"code": 20500, "message": "Internal Server Error", "status": 500}, status=500
                )
            self.sent.append(SentSms(to=form["To"], from_=form["From"], body=form["Body"]))
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(timezone.utc))
        return web.json_response(
            {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form["Body"],
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form["From"],
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "EUR",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {},
                "to": form["To"],
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            },
            status=201,
        )
