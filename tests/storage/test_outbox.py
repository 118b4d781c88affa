"""The outbox sends each due message once: across a restart, after a failure, with two workers."""

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
from bot.storage.database import ROOT
from bot.storage.models import Outbox
from bot.storage.outbox import deliver_due, due_messages

# The evening before the 3 December session (18:00 Paris).
REMINDER_TIME = datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)

# A delivery worker in its own process; "crash" dies in the middle of sending.
WORKER = """
import json, os, sys
from datetime import datetime
from bot.storage.database import make_engine, session_factory
from bot.storage.outbox import deliver_due

log, now, mode = sys.argv[1], datetime.fromisoformat(sys.argv[2]), sys.argv[3]

def send(message):
    if mode == "crash":
        os._exit(3)
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps({"id": message.id, "reference": message.reference}) + "\\n")

print(deliver_due(session_factory(make_engine()), send, now))
"""


def _worker(database_url: str, log: Path, now: datetime, mode: str = "send"):
    env = {**os.environ, "DATABASE_URL": database_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-c", WORKER, str(log), now.isoformat(), mode],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
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

    for expected in ("1", "0"):  # the restarted worker sends it; the next run has nothing to do
        run = _worker(database_url, log, REMINDER_TIME)
        assert (run.returncode, run.stdout.strip()) == (0, expected), run.stderr
    assert [line["reference"] for line in _sent_lines(log)] == [booking.reference]
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert (reminder.kind, reminder.sent_at, reminder.attempts) == ("reminder", REMINDER_TIME, 1)


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
