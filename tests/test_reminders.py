"""The reminder sender as `make run` starts it: a real process on a real SQLite database. A
channel that cannot push is logged, never pretended delivered; SMS goes to the operator (a local
imitation of Twilio), not to a number that answered STOP; the personal data of past sessions
is deleted."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import select

from bot.gsm7 import segments
from bot.reminders import render
from bot.storage.booking import book
from bot.storage.booking_messages import Message
from bot.storage.database import ROOT, make_engine, migrate, session_factory, transaction
from bot.storage.models import Booking, CafeSession, Outbox, SmsOptOut
from bot.storage.phone import number_hash
from bot.storage.territory import load_territory
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.sms_support import SMS_ENV

FIXTURE = ROOT / "tests" / "fixtures" / "territory.yml"


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    migrate(url)
    now = datetime.now(timezone.utc)
    territory = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    territory["cafe_sessions"] = [
        {
            "key": "soon",
            "centre": "tilleuls",
            "theme": "CV",
            "capacity": 5,
            "starts_at": (now + timedelta(hours=3)).replace(microsecond=0).isoformat(),
        },
        {
            "key": "over",
            "centre": "tilleuls",
            "theme": "CV",
            "capacity": 5,
            "starts_at": (now - timedelta(days=2)).replace(microsecond=0).isoformat(),
        },
    ]
    path = tmp_path / "territory.yml"
    path.write_text(yaml.safe_dump(territory, allow_unicode=True), encoding="utf-8")
    engine = make_engine(url)
    db = session_factory(engine)()
    load_territory(db, path, now=now - timedelta(days=5))
    sessions = {s.key: s for s in db.execute(select(CafeSession)).scalars()}
    yield url, db, sessions
    db.close()
    engine.dispose()


def sender_round(url: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **extra_env}
    return subprocess.run(
        [sys.executable, "-m", "bot.reminders", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_due_messages_are_logged_for_web_sent_for_sms_and_old_data_is_purged(database):
    url, db, sessions = database
    now = datetime.now(timezone.utc)
    web = book(db, sessions["soon"].id, "Awa", "06 39 98 00 01", "web")
    rest = book(db, sessions["soon"].id, "Lina", "06 39 98 00 05", "rest")
    sms = book(db, sessions["soon"].id, "Yanis", "06 39 98 00 02", "sms")
    stopped = book(db, sessions["soon"].id, "Inès", "06 39 98 00 04", "sms")
    old_id = book(
        db, sessions["over"].id, "Sam", "06 39 98 00 03", "rest", now=now - timedelta(days=4)
    ).id
    with transaction(db):
        db.add(
            SmsOptOut(
                sender_hash=number_hash(SMS_ENV["SMS_HASH_KEY"], "+33639980004"), opted_out_at=now
            )
        )

    operator = FakeTwilio().start()
    try:
        first = sender_round(url, **SMS_ENV, SMS_API_BASE=operator.base_url)
    finally:
        operator.stop()
    assert first.returncode == 0, first.stderr
    for booking, channel in ((web, "web"), (rest, "rest")):
        assert (
            f"reminder for booking {booking.reference} not delivered: channel '{channel}' "
            "cannot push"
        ) in first.stderr
    assert "Awa" not in first.stderr and "+3363998" not in first.stderr

    db.rollback()
    db.expire_all()
    reminders = {m.booking_id: m for m in db.execute(select(Outbox)).scalars()}
    assert reminders[web.id].sent_at is not None and reminders[rest.id].sent_at is not None
    assert reminders[sms.id].sent_at is not None and reminders[stopped.id].sent_at is not None
    [reminder] = reminders_sent = operator.sent_to("+33639980002")
    assert reminder.startswith("Rappel") and sms.reference in reminder
    assert all(segments(text) <= 2 for text in reminders_sent)
    assert operator.sent_to("+33639980004") == []  # answered STOP
    assert "answered STOP" in first.stderr
    assert db.get(Booking, old_id) is None  # the session is over: name and phone are gone

    second = sender_round(url)
    assert second.returncode == 0, second.stderr
    assert web.reference not in second.stderr  # handled once


def test_a_database_that_is_down_is_logged_and_reported(tmp_path):
    result = sender_round(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert result.returncode == 1
    assert "booking database unavailable" in result.stderr


def test_messages_are_plain_french_from_the_domain():
    message = Message(
        id=1,
        kind="waitlist_promoted",
        attempts=0,
        reference="CE-7K3P",
        first_name="Awa",
        phone="+33639980001",
        channel="sms",
        territory="demo",
        session_starts_at=datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc),
        theme="CV",
        centre_name="Centre social des Tilleuls (démo)",
        centre_address="12 rue des Exemples",
    )
    text = render(message)
    assert text.startswith("Bonne nouvelle, Awa")
    assert "jeudi 3 décembre à 9 h 30" in text and "CE-7K3P" in text and "{" not in text
    reminder = render(Message(**{**message.__dict__, "kind": "reminder"}))
    assert reminder.startswith("Rappel") and "12 rue des Exemples" in reminder
