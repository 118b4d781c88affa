"""Alert delivery through real parts: an SMTP server (aiosmtpd) and an HTTP receiver (aiohttp)
on loopback, the alert stored by bot/storage/alerts.py in a migrated SQLite database, and the
sender's transports (bot/alerts.py)."""

import asyncio
import json
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.alerts import configured_transports
from bot.storage.alerts import PENDING, TRANSMITTED, alert_status, deliver_due_alerts, raise_alert
from bot.storage.database import make_engine, migrate, session_factory
from bot.storage.models import AlertDelivery, utc_now
from bot.transports.webhook import SIGNATURE_HEADER, sign
from tests.conftest import free_port

SECRET = "test-secret"


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        email = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, email))
        return "250 OK"


class Receiver:
    """An aiohttp web server in its own thread, recording the bodies whose signature verifies."""

    def __init__(self, port: int):
        self.port = port
        self.received = []
        self.bad_signatures = 0
        self._loop = None
        self._runner = None

    async def _handle(self, request):
        body = await request.read()
        if request.headers.get(SIGNATURE_HEADER) != sign(body, SECRET):
            self.bad_signatures += 1
            return web.Response(status=401)
        self.received.append(json.loads(body))
        return web.Response(status=204)

    def start(self):
        ready = threading.Event()

        def serve():
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/alerts", self._handle)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        assert ready.wait(10)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def db_factory(tmp_path):
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    migrate(url)
    engine = make_engine(url)
    yield session_factory(engine)
    engine.dispose()


def transports(smtp_port: int, webhook_port: int):
    return configured_transports(
        {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "ALERT_FROM": "bot@example.org",
            "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/alerts",
            "ALERT_WEBHOOK_SECRET": SECRET,
        }
    )


def new_alert(db_factory, **changes):
    details = {
        "first_name": "Mariam",
        "phone": "+33639980041",
        "email": None,
        "theme": "mobilite",
        "quartier": "Les Marronniers",
        "availability": "le mardi après-midi",
        "summary": "« je dois passer le permis pour un poste »",
        "channel": "rest",
        "on_behalf": True,
        "referent_name": "Nadia Essai (démo)",
        "referent_email": "referent-emploi-marronniers@example.org",
        "territory": "demo",
    }
    with db_factory() as db:
        return raise_alert(db, **{**details, **changes}).reference


def webhook_delivery(db) -> AlertDelivery:
    return db.execute(select(AlertDelivery).where(AlertDelivery.target == "webhook")).scalar_one()


def test_an_alert_reaches_the_referent_by_email_and_signed_webhook(smtp, db_factory):
    controller, inbox = smtp
    receiver = Receiver(free_port())
    receiver.start()
    try:
        reference = new_alert(db_factory)
        assert deliver_due_alerts(db_factory, transports(controller.port, receiver.port)) == 2
    finally:
        receiver.stop()

    [(recipients, email)] = inbox.messages
    assert recipients == ["referent-emploi-marronniers@example.org"]
    assert reference in email["Subject"]
    body = email.get_content()
    assert "Nadia Essai (démo)" in body and "+33639980041" in body and "permis" in body
    assert "accueil" in body  # raised on the person's behalf
    [payload] = receiver.received
    assert receiver.bad_signatures == 0
    assert payload["reference"] == reference
    assert payload["referent_name"] == "Nadia Essai (démo)"
    assert payload["summary"] == "« je dois passer le permis pour un poste »"
    assert payload["on_behalf"] is True
    with db_factory() as db:
        assert alert_status(db, reference) == TRANSMITTED
    # Nothing is sent twice.
    assert deliver_due_alerts(db_factory, transports(controller.port, receiver.port)) == 0


def test_a_receiver_down_gets_the_alert_once_when_it_comes_back(smtp, db_factory):
    controller, inbox = smtp
    port = free_port()
    reference = new_alert(db_factory, phone=None, email="mariam@example.org")
    now = utc_now()

    assert deliver_due_alerts(db_factory, transports(controller.port, port), now) == 1  # email only
    with db_factory() as db:
        webhook = webhook_delivery(db)
        assert webhook.sent_at is None and webhook.attempts == 1 and webhook.last_error
        assert webhook.next_attempt_at > now
        # Transmitted: the email went.
        assert alert_status(db, reference) == TRANSMITTED

    receiver = Receiver(port)
    receiver.start()
    try:
        # Not retried before its time, then retried once its backoff has passed.
        assert deliver_due_alerts(db_factory, transports(controller.port, port), now) == 0
        later = now + timedelta(minutes=2)
        assert deliver_due_alerts(db_factory, transports(controller.port, port), later) == 1
        much_later = later + timedelta(hours=2)
        assert deliver_due_alerts(db_factory, transports(controller.port, port), much_later) == 0
    finally:
        receiver.stop()
    assert [p["reference"] for p in receiver.received] == [reference]
    assert receiver.received[0]["email"] == "mariam@example.org"
    assert len(inbox.messages) == 1
    with db_factory() as db:
        webhook = webhook_delivery(db)
        assert webhook.sent_at is not None and webhook.attempts == 2


def test_unconfigured_targets_keep_alerts_pending(db_factory):
    reference = new_alert(db_factory)
    assert deliver_due_alerts(db_factory, {}) == 0
    with db_factory() as db:
        assert alert_status(db, reference) == PENDING
        assert alert_status(db, "AL-ZZZZ") is None


def test_an_urgent_alert_goes_first_to_the_referent_and_the_coordinator(smtp, db_factory):
    controller, inbox = smtp
    new_alert(db_factory, first_name="Awa")
    new_alert(
        db_factory,
        first_name="Leïla",
        danger="suicide",
        copy_email="coordination-cite-emploi@example.org",
    )
    receiver = Receiver(free_port())
    receiver.start()
    try:
        assert deliver_due_alerts(db_factory, transports(controller.port, receiver.port)) == 4
    finally:
        receiver.stop()
    (first_to, first), (second_to, second) = inbox.messages
    assert first["Subject"].startswith("URGENT - Demande de rappel")
    assert first_to == [
        "referent-emploi-marronniers@example.org",
        "coordination-cite-emploi@example.org",
    ]
    assert "Leïla" in first.get_content() and "Idées suicidaires" in first.get_content()
    assert "URGENT" not in second["Subject"] and second_to == [
        "referent-emploi-marronniers@example.org"
    ]
    assert [p["first_name"] for p in receiver.received] == ["Leïla", "Awa"]
    assert receiver.received[0]["danger"] == "suicide"
