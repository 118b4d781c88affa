"""The booking service on both backends: book, change, cancel, waiting list, bad requests."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.booking import (
    AlreadyBooked,
    AlreadyCancelled,
    BookingNotFound,
    InvalidFirstName,
    PlacesLeft,
    SessionFull,
    SessionNotFound,
    SessionPast,
    book,
    cancel,
    change,
    find_bookings,
    join_waiting_list,
    reminder_due,
    upcoming_sessions,
)
from bot.storage.models import Booking, CafeSession, Outbox
from bot.storage.phone import InvalidPhone
from bot.storage.references import BOOKING

PHONE = "06 39 98 00 01"
OTHER_PHONE = "06 39 98 00 02"


def _outbox(db, booking):
    rows = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalars()
    return {row.kind: row for row in rows}


def _booked(db, session):
    return db.execute(select(CafeSession.booked).where(CafeSession.id == session.id)).scalar_one()


def test_upcoming_sessions_are_future_and_not_full(db, sessions, now):
    book(db, sessions["marronniers-2026-12-12"].id, "Awa", PHONE, "rest", now=now)
    keys = [s.key for s in upcoming_sessions(db, now=now, limit=10)]
    assert keys == ["tilleuls-2026-12-03", "marronniers-2026-12-05", "tilleuls-2026-12-10"]
    assert [s.key for s in upcoming_sessions(db, now=now, limit=1)] == ["tilleuls-2026-12-03"]
    near = upcoming_sessions(db, now=now, centre="marronniers")
    assert [(s.key, s.centre.slug) for s in near] == [("marronniers-2026-12-05", "marronniers")]


def test_book_confirms_a_place_with_a_reference_and_a_reminder(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    booking = book(db, session.id, " Awa ", PHONE, "rest", now=now)
    assert booking.status == "confirmed"
    assert re.fullmatch(r"CE-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", booking.reference)
    assert (booking.first_name, booking.phone, booking.channel) == ("Awa", "+33639980001", "rest")
    assert booking.consent_at == booking.created_at == now
    assert _booked(db, session) == 1
    reminder = _outbox(db, booking)["reminder"]
    # 3 December 09:30 Paris → 2 December 18:00 Paris = 17:00 UTC.
    assert reminder.due_at == datetime(2026, 12, 2, 17, 0, tzinfo=timezone.utc)
    assert reminder.sent_at is None


def test_reminder_is_due_at_once_when_the_evening_before_is_past(sessions):
    starts_at = sessions["tilleuls-2026-12-03"].starts_at
    late = datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)
    assert reminder_due(starts_at, late) == late


def test_find_bookings_by_reference_and_by_phone(db, sessions, now):
    first = book(db, sessions["tilleuls-2026-12-10"].id, "Awa", PHONE, "sms", now=now)
    second = book(db, sessions["tilleuls-2026-12-03"].id, "Awa", PHONE, "sms", now=now)
    book(db, sessions["tilleuls-2026-12-03"].id, "Yanis", OTHER_PHONE, "sms", now=now)
    spaced = " " + first.reference.lower().replace("-", " ")
    assert [b.id for b in find_bookings(db, reference=spaced)] == [first.id]
    assert [b.id for b in find_bookings(db, phone="0639980001")] == [second.id, first.id]
    assert find_bookings(db, reference="CE-ZZZZ") == []
    assert BOOKING.normalise("7k3p9qx2") == BOOKING.normalise("CE7K3P9QX2") == "CE-7K3P-9QX2"


def test_change_moves_the_booking_and_its_reminder(db, sessions, now):
    old, new = sessions["tilleuls-2026-12-03"], sessions["tilleuls-2026-12-10"]
    booking = book(db, old.id, "Awa", PHONE, "rest", now=now)
    changed = change(db, booking.reference, new.id, now=now)
    assert (changed.id, changed.reference) == (booking.id, booking.reference)
    assert changed.session_id == new.id
    assert (_booked(db, old), _booked(db, new)) == (0, 1)
    assert _outbox(db, changed)["reminder"].due_at == datetime(2026, 12, 9, 17, tzinfo=timezone.utc)


def test_change_to_a_full_or_past_or_unknown_session_changes_nothing(db, sessions, now):
    old, full = sessions["tilleuls-2026-12-03"], sessions["marronniers-2026-12-12"]
    booking = book(db, old.id, "Awa", PHONE, "rest", now=now)
    book(db, full.id, "Yanis", OTHER_PHONE, "rest", now=now)
    with pytest.raises(SessionFull):
        change(db, booking.reference, full.id, now=now)
    with pytest.raises(SessionPast):
        change(db, booking.reference, sessions["tilleuls-2026-11-20"].id, now=now)
    with pytest.raises(SessionNotFound):
        change(db, booking.reference, 999_999, now=now)
    with pytest.raises(AlreadyBooked):
        change(db, booking.reference, old.id, now=now)
    with pytest.raises(BookingNotFound):
        change(db, "CE-ZZZZ", full.id, now=now)
    db.refresh(booking)
    assert booking.session_id == old.id and booking.status == "confirmed"
    assert (_booked(db, old), _booked(db, full)) == (1, 1)


def test_cancel_by_reference_frees_the_place_and_drops_the_reminder(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    booking = book(db, session.id, "Awa", PHONE, "rest", now=now)
    cancelled = cancel(db, reference=booking.reference, now=now)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at == now
    assert _booked(db, session) == 0
    assert _outbox(db, booking) == {}
    with pytest.raises(AlreadyCancelled):
        cancel(db, reference=booking.reference, now=now)
    # Cancelled, the person can book the same session again.
    again = book(db, session.id, "Awa", PHONE, "rest", now=now)
    assert again.status == "confirmed" and again.reference != booking.reference


def test_cancel_by_phone_and_session(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    booking = book(db, session.id, "Awa", PHONE, "rest", now=now)
    assert cancel(db, phone="+33 6 39 98 00 01", session_id=session.id, now=now).id == booking.id
    with pytest.raises(BookingNotFound):
        cancel(db, phone=PHONE, session_id=session.id, now=now)
    assert _booked(db, session) == 0


def test_cancel_promotes_the_first_person_waiting(db, sessions, now):
    session = sessions["marronniers-2026-12-12"]  # one place
    holder = book(db, session.id, "Awa", PHONE, "sms", now=now)
    first = join_waiting_list(db, session.id, "Yanis", OTHER_PHONE, "sms", now=now)
    second = join_waiting_list(
        db, session.id, "Inès", "06 39 98 00 03", "rest", now=now + timedelta(minutes=1)
    )
    assert (first.status, second.status) == ("waiting", "waiting")
    assert _outbox(db, first) == {}

    later = now + timedelta(hours=1)
    cancel(db, reference=holder.reference, now=later)
    db.refresh(first)
    db.refresh(second)
    assert (first.status, second.status) == ("confirmed", "waiting")
    assert _booked(db, session) == 1
    messages = _outbox(db, first)
    assert messages["waitlist_promoted"].due_at == later
    assert messages["reminder"].due_at == datetime(2026, 12, 11, 17, tzinfo=timezone.utc)

    # A waiting person who leaves frees no place.
    cancel(db, reference=second.reference, now=later)
    assert _booked(db, session) == 1


def test_waiting_list_only_when_full(db, sessions, now):
    session = sessions["marronniers-2026-12-12"]
    with pytest.raises(PlacesLeft):
        join_waiting_list(db, session.id, "Awa", PHONE, "sms", now=now)
    book(db, session.id, "Awa", PHONE, "sms", now=now)
    with pytest.raises(AlreadyBooked):
        join_waiting_list(db, session.id, "Awa", PHONE, "sms", now=now)


def test_full_past_and_unknown_sessions_are_refused(db, sessions, now):
    full = sessions["marronniers-2026-12-12"]
    book(db, full.id, "Awa", PHONE, "sms", now=now)
    with pytest.raises(SessionFull):
        book(db, full.id, "Yanis", OTHER_PHONE, "sms", now=now)
    with pytest.raises(SessionPast):
        book(db, sessions["tilleuls-2026-11-20"].id, "Yanis", OTHER_PHONE, "sms", now=now)
    with pytest.raises(SessionPast):  # it has started
        book(db, full.id, "Yanis", OTHER_PHONE, "sms", now=full.starts_at)
    with pytest.raises(SessionNotFound):
        book(db, 999_999, "Yanis", OTHER_PHONE, "sms", now=now)
    assert [b.first_name for b in db.execute(select(Booking)).scalars()] == ["Awa"]


def test_same_phone_twice_in_a_session_is_refused(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    book(db, session.id, "Awa", PHONE, "sms", now=now)
    with pytest.raises(AlreadyBooked):
        book(db, session.id, "Awa", "+33639980001", "rest", now=now)
    assert _booked(db, session) == 1


def test_the_database_refuses_a_second_active_booking_for_a_phone(db, sessions, now):
    """The partial unique index itself, without the service's friendly check."""
    session = sessions["tilleuls-2026-12-03"]
    booking = book(db, session.id, "Awa", PHONE, "sms", now=now)
    db.add(
        Booking(
            reference="CE-TEST",
            session_id=session.id,
            first_name="Awa",
            phone=booking.phone,
            channel="sms",
            status="waiting",
            created_at=now,
            consent_at=now,
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_the_database_refuses_overbooking(db, sessions):
    session = db.get(CafeSession, sessions["marronniers-2026-12-12"].id)
    session.booked = session.capacity + 1
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_same_idempotency_key_books_once(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    first = book(db, session.id, "Awa", PHONE, "rest", idempotency_key="msg-42", now=now)
    again = book(db, session.id, "Awa", PHONE, "rest", idempotency_key="msg-42", now=now)
    assert again.id == first.id
    assert len(db.execute(select(Booking)).all()) == 1
    assert _booked(db, session) == 1


def test_bad_input_changes_nothing(db, sessions, now):
    session = sessions["tilleuls-2026-12-03"]
    with pytest.raises(InvalidPhone):
        book(db, session.id, "Awa", "06 12 34", "rest", now=now)
    for name in ("", "   ", "=HYPERLINK(1)", "x" * 61):
        with pytest.raises(InvalidFirstName):
            book(db, session.id, name, PHONE, "rest", now=now)
    assert _booked(db, session) == 0
    assert db.execute(select(Booking)).all() == []
