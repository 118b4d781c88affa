"""Personal data is kept until the session, as residents are told, then deleted (both backends)."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.storage.booking import book, cancel
from bot.storage.models import Booking, CafeSession, Outbox
from bot.storage.retention import purge_personal_data


def _ids(db, model) -> set:
    db.expire_all()
    return set(db.execute(select(model.id)).scalars())


def test_bookings_go_the_day_after_their_session_and_cancelled_ones_at_once(db, sessions, now):
    book(
        db,
        sessions["tilleuls-2026-11-20"].id,
        "Awa",
        "06 39 98 00 01",
        "rest",
        now=now - timedelta(days=10),
    )
    kept = book(db, sessions["tilleuls-2026-12-03"].id, "Yanis", "06 39 98 00 02", "rest", now=now)
    dropped = book(db, sessions["tilleuls-2026-12-03"].id, "Sam", "06 39 98 00 03", "sms", now=now)
    cancel(db, reference=dropped.reference, now=now)
    kept_id, dropped_id = kept.id, dropped.id

    assert purge_personal_data(db, now) == 2
    assert _ids(db, Booking) == {kept_id}
    assert {m.booking_id for m in db.execute(select(Outbox)).scalars()} == {kept_id}

    evening_of_the_session = datetime(2026, 12, 3, 19, 0, tzinfo=timezone.utc)  # 20:00 Paris
    assert purge_personal_data(db, evening_of_the_session) == 0
    next_day = datetime(2026, 12, 3, 23, 30, tzinfo=timezone.utc)  # 00:30 Paris, 4 December
    assert purge_personal_data(db, next_day) == 1
    assert _ids(db, Booking) == set()
    assert db.execute(select(func.count()).select_from(Outbox)).scalar_one() == 0
    session = db.get(CafeSession, sessions["tilleuls-2026-12-03"].id)
    assert session.booked == 1  # the count of places stays, for the record
    assert dropped_id not in _ids(db, Booking)
