"""Hundreds of simultaneous booking attempts never overbook and never book a phone twice."""

import threading
from collections import Counter

from sqlalchemy import func, select

from bot.storage.booking import AlreadyBooked, SessionFull, book
from bot.storage.models import Booking, CafeSession

# Session key → places booked beforehand, so that only a few seats are left.
CROWDED = {
    "marronniers-2026-12-05": 1,  # 2 of 3 left
    "tilleuls-2026-12-10": 2,  # 3 of 5 left
    "marronniers-2026-12-12": 0,  # 1 of 1 left
}
# Where the same person and the same request arrive many times at once: 3 of 12 left, so that
# the repeats, not a full session, are what gets refused.
REPEATED = ("tilleuls-2026-12-03", 9)
DISTINCT_ATTEMPTS = 200
SAME_PHONE_ATTEMPTS = 20
SAME_KEY_ATTEMPTS = 20


def _phone(n: int) -> str:
    return f"06 39 98 {n // 100:02d} {n % 100:02d}"


def test_simultaneous_bookings_fill_the_capacity_once_per_phone(db, db_factory, sessions, now):
    prebooked = {**CROWDED, REPEATED[0]: REPEATED[1]}
    ids = {key: sessions[key].id for key in prebooked}
    earlier = iter(range(5000, 6000))
    for key, count in prebooked.items():
        for _ in range(count):
            book(db, ids[key], "Avant", _phone(next(earlier)), "rest", now=now)
    crowded, repeated = [ids[key] for key in CROWDED], ids[REPEATED[0]]

    # (session, phone, idempotency key): distinct phones at the crowded sessions, and at the
    # other one the same phone many times and the same request (same key) many times.
    attempts = [(crowded[n % len(crowded)], _phone(n), None) for n in range(DISTINCT_ATTEMPTS)]
    attempts += [(repeated, _phone(9990), None)] * SAME_PHONE_ATTEMPTS
    attempts += [(repeated, _phone(9991), "retry-1")] * SAME_KEY_ATTEMPTS

    start = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def attempt(i: int, session_id: int, phone: str, key):
        start.wait()
        with db_factory() as own_db:
            try:
                outcomes[i] = book(own_db, session_id, "Sam", phone, "rest", key, now=now).id
            except (SessionFull, AlreadyBooked) as refused:
                outcomes[i] = type(refused).__name__
            except Exception as error:  # reported below, with the attempt
                outcomes[i] = repr(error)

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refusals = ("SessionFull", "AlreadyBooked")
    assert [o for o in outcomes if isinstance(o, str) and o not in refusals] == []

    for key, session_id in ids.items():
        session = db.get(CafeSession, session_id, populate_existing=True)
        confirmed = db.execute(
            select(func.count()).where(
                Booking.session_id == session_id, Booking.status == "confirmed"
            )
        ).scalar_one()
        expected = session.capacity if key in CROWDED else REPEATED[1] + 2
        assert session.booked == confirmed == expected, key

    active = db.execute(
        select(Booking.session_id, Booking.phone).where(Booking.status != "cancelled")
    ).all()
    assert [pair for pair, n in Counter(active).items() if n > 1] == []

    same_phone = outcomes[DISTINCT_ATTEMPTS : DISTINCT_ATTEMPTS + SAME_PHONE_ATTEMPTS]
    assert len([o for o in same_phone if isinstance(o, int)]) == 1
    assert same_phone.count("AlreadyBooked") == SAME_PHONE_ATTEMPTS - 1
    same_key = outcomes[DISTINCT_ATTEMPTS + SAME_PHONE_ATTEMPTS :]
    stored = db.execute(select(Booking.id).where(Booking.idempotency_key == "retry-1")).all()
    assert len(stored) == 1 and set(same_key) == {stored[0].id}
