"""The outbox engine sends each due message once: across a restart, after a failure, with two
workers; it sends with no transaction open, and gives up after its last attempt."""

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from bot.storage.booking import book, cancel
from bot.storage.booking_messages import BOOKING_MESSAGES
from bot.storage.database import ROOT
from bot.storage.models import Outbox
from bot.storage.outbox import Undeliverable, deliver


def deliver_due(db_factory, send, now):
    """The booking messages due by `now`, all through `send`, whatever their channel."""
    return deliver(db_factory, BOOKING_MESSAGES, {"sms": send, "web": send, "rest": send}, now)


def due_messages(db, now):
    return list(db.execute(BOOKING_MESSAGES.due(now)).scalars())


# The evening before the 3 December session (18:00 Paris).
REMINDER_TIME = datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)

# A delivery worker in its own process; "crash" dies in the middle of sending.
WORKER = """
import json, os, sys
from datetime import datetime
from bot.storage.database import make_engine, session_factory
from bot.storage.booking_messages import BOOKING_MESSAGES
from bot.storage.outbox import deliver

log, now, mode = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]

def send(message):
    if mode == "crash":
        os._exit(3)
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps({"id": message.id, "reference": message.reference}) + "\\n")

print(deliver(session_factory(make_engine()), BOOKING_MESSAGES, {"sms": send}, now))
"""


def _worker(database_url: str, log: Path, now: datetime, mode: str = "send"):
    env = {**os.environ, "DATABASE_URL": database_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-c", WORKER, str(log), now.isoformat(), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _sent_lines(log: Path) -> list:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_reminder_survives_restarts_and_is_sent_once(
    db, engine, database_url, sessions, now, tmp_path
):
    booking = book(db, sessions["tilleuls-2026-12-03"].id, "Awa", "06 39 98 00 01", "sms", now=now)
    db.close()
    engine.dispose()  # the booking process is gone; delivery happens in new processes
    log = tmp_path / "sent.jsonl"

    early = _worker(database_url, log, REMINDER_TIME - timedelta(minutes=1))
    assert (early.returncode, early.stdout.strip()) == (0, "0"), early.stderr

    crashed = _worker(database_url, log, REMINDER_TIME, mode="crash")
    assert crashed.returncode == 3, crashed.stderr
    assert _sent_lines(log) == []

    # The crashed worker had leased the message: another one waits for the lease to end.
    during_lease = _worker(database_url, log, REMINDER_TIME + BOOKING_MESSAGES.lease / 2)
    assert (during_lease.returncode, during_lease.stdout.strip()) == (0, "0"), during_lease.stderr
    after_lease = REMINDER_TIME + BOOKING_MESSAGES.lease
    for expected in ("1", "0"):  # the restarted worker sends it; the next run has nothing to do
        run = _worker(database_url, log, after_lease)
        assert (run.returncode, run.stdout.strip()) == (0, expected), run.stderr
    assert [line["reference"] for line in _sent_lines(log)] == [booking.reference]
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert (reminder.kind, reminder.sent_at, reminder.attempts) == ("reminder", after_lease, 1)


def test_a_failed_send_stays_pending_and_is_retried_later(db, db_factory, sessions, now):
    booking = book(db, sessions["tilleuls-2026-12-03"].id, "Awa", "06 39 98 00 01", "sms", now=now)

    def failing(message):
        raise ConnectionError("SMS gateway unreachable")

    assert deliver_due(db_factory, failing, REMINDER_TIME) == 0
    db.expire_all()
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert (reminder.sent_at, reminder.attempts) == (None, 1)
    assert reminder.last_error == "ConnectionError: SMS gateway unreachable"
    assert reminder.due_at == REMINDER_TIME + timedelta(minutes=5)
    db.commit()

    sent = []
    assert deliver_due(db_factory, sent.append, REMINDER_TIME + timedelta(minutes=1)) == 0
    assert deliver_due(db_factory, sent.append, REMINDER_TIME + timedelta(minutes=5)) == 1
    assert [m.reference for m in sent] == [booking.reference]
    assert (sent[0].kind, sent[0].phone, sent[0].channel) == ("reminder", "+33639980001", "sms")
    assert sent[0].centre_name == "Centre social des Tilleuls (démo)"


def test_only_messages_still_worth_sending_are_due(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    kept = book(db, session.id, "Awa", "06 39 98 00 01", "sms", now=now)
    dropped = book(db, session.id, "Yanis", "06 39 98 00 02", "sms", now=now)
    cancel(db, reference=dropped.reference, now=now)
    assert due_messages(db, REMINDER_TIME - timedelta(seconds=1)) == []
    assert [m.booking_id for m in due_messages(db, REMINDER_TIME)] == [kept.id]
    assert due_messages(db, session.starts_at) == []  # too late to remind anyone


def test_concurrent_workers_send_each_message_once(db, db_factory, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    bookings = [
        book(db, session.id, "Sam", f"06 39 98 00 {n:02d}", "sms", now=now) for n in range(12)
    ]
    sent, lock = [], threading.Lock()

    def slow_send(message):
        time.sleep(0.01)  # long enough for the workers to overlap
        with lock:
            sent.append(message.id)

    start = threading.Barrier(4)
    counts = []

    def worker():
        start.wait()
        counts.append(deliver_due(db_factory, slow_send, REMINDER_TIME))

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert sorted(sent) == sorted(set(sent)) and len(sent) == len(bookings) == sum(counts)


def test_a_slow_send_holds_no_lock_and_bookings_go_on(db, db_factory, sessions, now):
    """While a message is being sent (a slow SMS operator), residents can still book: the send
    runs with no transaction open, so SQLite's write lock is free."""
    session = sessions["tilleuls-2026-12-03"]
    book(db, session.id, "Awa", "06 39 98 00 01", "sms", now=now)
    sending, release, booked = threading.Event(), threading.Event(), []

    def slow_send(message):
        sending.set()
        assert release.wait(30)

    worker = threading.Thread(target=deliver_due, args=(db_factory, slow_send, REMINDER_TIME))
    worker.start()
    try:
        assert sending.wait(30)
        with db_factory() as other:
            started = time.monotonic()
            booked.append(book(other, session.id, "Lina", "06 39 98 00 05", "sms", now=now))
            assert time.monotonic() - started < 2  # not waiting for the send
    finally:
        release.set()
        worker.join(30)
    assert booked[0].reference


def test_a_message_that_keeps_failing_is_given_up_and_kept(db, db_factory, sessions, now):
    booking = book(db, sessions["tilleuls-2026-12-03"].id, "Awa", "06 39 98 00 01", "sms", now=now)

    def failing(message):
        raise ConnectionError("SMS gateway unreachable")

    at = REMINDER_TIME
    for attempt in range(BOOKING_MESSAGES.max_attempts):
        assert deliver_due(db_factory, failing, at) == 0
        at += min(BOOKING_MESSAGES.first_retry * 2**attempt, BOOKING_MESSAGES.max_retry)
    db.expire_all()
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert reminder.dead_at is not None and reminder.sent_at is None
    assert reminder.attempts == BOOKING_MESSAGES.max_attempts
    assert reminder.last_error == "ConnectionError: SMS gateway unreachable"
    assert deliver_due(db_factory, failing, at) == 0 and due_messages(db, at) == []


def test_a_message_refused_for_good_is_not_retried(db, db_factory, sessions, now):
    booking = book(db, sessions["tilleuls-2026-12-03"].id, "Awa", "06 39 98 00 01", "sms", now=now)

    def refusing(message):
        raise Undeliverable("21211 invalid 'To' phone number")

    assert deliver_due(db_factory, refusing, REMINDER_TIME) == 0
    db.expire_all()
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert (reminder.attempts, reminder.sent_at) == (1, None) and reminder.dead_at is not None
