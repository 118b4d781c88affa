"""The booking service: find a café emploi session, book, join the waiting list, change, cancel.

Each function is one transaction: it commits what it did, or rolls back, changes nothing and
raises a `BookingError` the caller turns into a French answer. Capacity and "one place per phone
and session" are enforced by the database (conditional update, CHECK, partial unique index), so
they hold however many requests arrive at once. A session's row lock serialises the changes to
its bookings (SQLite's BEGIN IMMEDIATE does the same for the whole database).
"""

from datetime import datetime, time, timedelta
from typing import List, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.storage.database import transaction
from bot.storage.models import (
    CANCELLED,
    CONFIRMED,
    REMINDER,
    WAITING,
    WAITLIST_PROMOTED,
    Booking,
    CafeSession,
    CentreSocial,
    Outbox,
    utc_now,
)
from bot.storage.phone import normalise_french_phone
from bot.storage.references import BOOKING

PARIS = ZoneInfo("Europe/Paris")
REMINDER_LOCAL_TIME = time(18, 0)  # the evening before the session, Paris time

FIRST_NAME_MAX = 60


class BookingError(Exception):
    """A booking request that cannot be done; nothing was changed."""


class SessionNotFound(BookingError):
    pass


class SessionPast(BookingError):
    pass


class SessionFull(BookingError):
    pass


class PlacesLeft(BookingError):
    """Joining a waiting list while places are left: book instead."""


class AlreadyBooked(BookingError):
    """This phone already holds a place (or a waiting-list entry) in that session."""


class BookingNotFound(BookingError):
    pass


class AlreadyCancelled(BookingError):
    pass


class InvalidFirstName(BookingError):
    pass


def upcoming_sessions(
    db: Session,
    now: Optional[datetime] = None,
    limit: int = 5,
    centre: Optional[str] = None,
    territory: Optional[str] = None,
) -> List[CafeSession]:
    """The next sessions with a place left, soonest first; `centre` is a centre slug;
    `territory` (a territory id) keeps that territory's only."""
    now = now or utc_now()
    query = (
        select(CafeSession)
        .options(joinedload(CafeSession.centre))
        .where(CafeSession.starts_at > now, CafeSession.booked < CafeSession.capacity)
        .order_by(CafeSession.starts_at, CafeSession.id)
        .limit(limit)
    )
    if centre is not None:
        query = query.where(CafeSession.centre.has(slug=centre))
    query = _of_territory(query, territory)
    with transaction(db):
        return list(db.execute(query).scalars())


def find_session(
    db: Session, session_id: int, territory: Optional[str] = None
) -> Optional[CafeSession]:
    """The session with this id (of `territory`, if given), its centre loaded; else None."""
    query = _of_territory(_sessions_query().where(CafeSession.id == session_id), territory)
    return db.execute(query).scalar_one_or_none()


def sessions_between(
    db: Session, start: datetime, end: datetime, territory: Optional[str] = None
) -> List[CafeSession]:
    """Every session starting strictly between `start` and `end`, full or not, soonest first
    (of `territory`, if given)."""
    query = _sessions_query().where(CafeSession.starts_at > start, CafeSession.starts_at < end)
    return list(db.execute(_of_territory(query, territory)).scalars())


def _sessions_query():
    return (
        select(CafeSession)
        .options(joinedload(CafeSession.centre))
        .order_by(CafeSession.starts_at, CafeSession.id)
    )


def _of_territory(query, territory: Optional[str]):
    """The sessions of one territory (a conversation sees its territory's only); None: all."""
    if territory is None:
        return query
    return query.where(CafeSession.centre.has(CentreSocial.territory == territory))


def book(
    db: Session,
    session_id: int,
    first_name: str,
    phone: str,
    channel: str,
    idempotency_key: Optional[str] = None,
    *,
    now: Optional[datetime] = None,
) -> Booking:
    """A confirmed place and its reminder; the caller has the person's consent to keep them.

    Retrying with the same `idempotency_key` returns the first booking and creates nothing.
    """
    now = now or utc_now()
    first_name = _clean_first_name(first_name)
    phone = normalise_french_phone(phone)
    try:
        with transaction(db):
            replayed = _by_idempotency_key(db, idempotency_key) or _refuse_duplicate(
                db, session_id, phone, idempotency_key
            )
            if replayed is not None:
                return replayed
            if not _take_place(db, session_id, now):
                raise _why_no_place(db, session_id, now)
            session = db.get(CafeSession, session_id, populate_existing=True)
            booking = _add_booking(
                db, session, first_name, phone, channel, CONFIRMED, idempotency_key, now
            )
            _schedule_reminder(db, booking, now)
            return booking
    except IntegrityError as error:
        return _replayed_or_duplicate(db, error, session_id, phone, idempotency_key)


def join_waiting_list(
    db: Session,
    session_id: int,
    first_name: str,
    phone: str,
    channel: str,
    idempotency_key: Optional[str] = None,
    *,
    now: Optional[datetime] = None,
) -> Booking:
    """A waiting-list entry for a full session; the first one waiting gets the next freed place."""
    now = now or utc_now()
    first_name = _clean_first_name(first_name)
    phone = normalise_french_phone(phone)
    try:
        with transaction(db):
            replayed = _by_idempotency_key(db, idempotency_key)
            if replayed is not None:
                return replayed
            session = _lock_sessions(db, [session_id]).get(session_id)
            if session is None:
                raise SessionNotFound(session_id)
            if session.starts_at <= now:
                raise SessionPast(session_id)
            if session.places_left > 0:
                raise PlacesLeft(session_id)
            replayed = _refuse_duplicate(db, session_id, phone, idempotency_key)
            if replayed is not None:
                return replayed
            return _add_booking(
                db, session, first_name, phone, channel, WAITING, idempotency_key, now
            )
    except IntegrityError as error:
        return _replayed_or_duplicate(db, error, session_id, phone, idempotency_key)


def cancel(
    db: Session,
    reference: Optional[str] = None,
    phone: Optional[str] = None,
    session_id: Optional[int] = None,
    *,
    now: Optional[datetime] = None,
) -> Booking:
    """Cancel by reference, or by phone and session; a freed place goes to the first waiting."""
    now = now or utc_now()
    with transaction(db):
        query = _booking_query(reference, phone, session_id)
        booking, sessions = _lock_booking(db, query, [])
        session = sessions[booking.session_id]
        if booking.status == CANCELLED:
            raise AlreadyCancelled(booking.reference)
        if session.starts_at <= now:
            raise SessionPast(session.id)
        held_place = booking.status == CONFIRMED
        booking.status = CANCELLED
        booking.cancelled_at = now
        _drop_pending_messages(db, booking)
        if held_place:
            _give_place_away(db, session, now)
        return booking


def change(
    db: Session, reference: str, new_session_id: int, *, now: Optional[datetime] = None
) -> Booking:
    """Move a booking (same reference) to another session in one transaction, or change nothing."""
    now = now or utc_now()
    with transaction(db):
        query = _booking_query(reference, None, None)
        booking, sessions = _lock_booking(db, query, [new_session_id])
        old = sessions[booking.session_id]
        new = sessions.get(new_session_id)
        if booking.status == CANCELLED:
            raise AlreadyCancelled(booking.reference)
        if old.starts_at <= now:
            raise SessionPast(old.id)
        if new is None:
            raise SessionNotFound(new_session_id)
        if new.id == old.id:
            raise AlreadyBooked(new.id)
        _refuse_duplicate(db, new.id, booking.phone)
        if not _take_place(db, new.id, now):
            raise _why_no_place(db, new.id, now)
        held_place = booking.status == CONFIRMED
        booking.session = new
        booking.status = CONFIRMED
        db.flush()
        if held_place:
            _give_place_away(db, old, now)
        _drop_pending_messages(db, booking)
        _schedule_reminder(db, booking, now)
        return booking


def find_bookings(
    db: Session,
    reference: Optional[str] = None,
    phone: Optional[str] = None,
    territory: Optional[str] = None,
) -> List[Booking]:
    """Bookings (any status) by reference and/or phone, soonest session first; of `territory`'s
    sessions only, if given."""
    if reference is None and phone is None:
        raise ValueError("give a reference or a phone")
    query = (
        select(Booking)
        .join(Booking.session)
        .options(joinedload(Booking.session).joinedload(CafeSession.centre))
        .order_by(CafeSession.starts_at, Booking.id)
    )
    if reference is not None:
        query = query.where(Booking.reference == BOOKING.normalise(reference))
    if phone is not None:
        query = query.where(Booking.phone == normalise_french_phone(phone))
    query = _of_territory(query, territory)
    with transaction(db):
        return list(db.execute(query).scalars())


def reminder_due(starts_at: datetime, now: datetime) -> datetime:
    """18:00 Paris time the day before the session, or now if that is already past."""
    day_before = starts_at.astimezone(PARIS).date() - timedelta(days=1)
    due = datetime.combine(day_before, REMINDER_LOCAL_TIME, tzinfo=PARIS)
    return max(due, now)


def reschedule_reminders(db: Session, session: CafeSession, now: datetime) -> None:
    """Move the unsent reminders of a session whose time changed (does not commit)."""
    pending = db.execute(
        select(Outbox)
        .join(Outbox.booking)
        .where(
            Booking.session_id == session.id,
            Outbox.kind == REMINDER,
            Outbox.sent_at.is_(None),
        )
    ).scalars()
    for message in pending:
        message.due_at = reminder_due(session.starts_at, now)


def _clean_first_name(first_name: str) -> str:
    # A letter first also keeps spreadsheet formulas ("=...", "+...") out of the staff export.
    cleaned = " ".join(first_name.split())
    if not cleaned or len(cleaned) > FIRST_NAME_MAX or not cleaned[0].isalpha():
        raise InvalidFirstName(first_name)
    return cleaned


def _by_idempotency_key(db: Session, key: Optional[str]) -> Optional[Booking]:
    if key is None:
        return None
    return db.execute(select(Booking).where(Booking.idempotency_key == key)).scalar_one_or_none()


def _active_booking(db: Session, session_id: int, phone: str) -> Optional[Booking]:
    return db.execute(
        select(Booking).where(
            Booking.session_id == session_id,
            Booking.phone == phone,
            Booking.status != CANCELLED,
        )
    ).scalar_one_or_none()


def _refuse_duplicate(
    db: Session, session_id: int, phone: str, idempotency_key: Optional[str] = None
) -> Optional[Booking]:
    """The friendly answer in the common case; the partial unique index enforces it in races.

    The phone's place may be this very request, committed by a concurrent retry after our key
    lookup (PostgreSQL reads each statement afresh): that is a replay, returned, not refused.
    """
    active = _active_booking(db, session_id, phone)
    if active is None:
        return None
    if idempotency_key is not None and active.idempotency_key == idempotency_key:
        return active
    raise AlreadyBooked(session_id)


def _take_place(db: Session, session_id: int, now: datetime) -> bool:
    """Consume a place if the session is upcoming and not full: one atomic conditional update."""
    result = db.execute(
        update(CafeSession)
        .where(
            CafeSession.id == session_id,
            CafeSession.booked < CafeSession.capacity,
            CafeSession.starts_at > now,
        )
        .values(booked=CafeSession.booked + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _why_no_place(db: Session, session_id: int, now: datetime) -> BookingError:
    session = db.get(CafeSession, session_id, populate_existing=True)
    if session is None:
        return SessionNotFound(session_id)
    if session.starts_at <= now:
        return SessionPast(session_id)
    return SessionFull(session_id)


def _replayed_or_duplicate(
    db: Session,
    error: IntegrityError,
    session_id: int,
    phone: str,
    idempotency_key: Optional[str],
) -> Booking:
    """A concurrent request committed first: the same request (key) or the same person (phone)."""
    with transaction(db):
        replayed = _by_idempotency_key(db, idempotency_key)
        if replayed is not None:
            return replayed
        if _active_booking(db, session_id, phone) is not None:
            raise AlreadyBooked(session_id) from error
    raise error


def _add_booking(
    db: Session,
    session: CafeSession,
    first_name: str,
    phone: str,
    channel: str,
    status: str,
    idempotency_key: Optional[str],
    now: datetime,
) -> Booking:
    booking = Booking(
        reference=_unused_reference(db),
        session=session,
        first_name=first_name,
        phone=phone,
        channel=channel,
        status=status,
        created_at=now,
        consent_at=now,
        idempotency_key=idempotency_key,
    )
    db.add(booking)
    db.flush()
    return booking


def _unused_reference(db: Session) -> str:
    while True:
        reference = BOOKING.new()
        taken = db.execute(select(Booking.id).where(Booking.reference == reference)).first()
        if taken is None:
            return reference


def _booking_query(reference: Optional[str], phone: Optional[str], session_id: Optional[int]):
    if reference is not None:
        return select(Booking).where(Booking.reference == BOOKING.normalise(reference))
    if phone is not None and session_id is not None:
        return select(Booking).where(
            Booking.phone == normalise_french_phone(phone),
            Booking.session_id == session_id,
            Booking.status != CANCELLED,
        )
    raise ValueError("give a reference, or a phone and a session")


def _lock_booking(db: Session, query, other_session_ids: List[int]):
    """The booking, fresh, with its session (and others) locked; retried if it moved meanwhile."""
    while True:
        booking = db.execute(query).scalar_one_or_none()
        if booking is None:
            raise BookingNotFound()
        sessions = _lock_sessions(db, [booking.session_id, *other_session_ids])
        db.refresh(booking)
        if booking.session_id in sessions:
            return booking, sessions


def _lock_sessions(db: Session, session_ids: List[int]) -> dict:
    """Lock session rows in id order (no deadlock between two changes) and read them fresh."""
    rows = db.execute(
        select(CafeSession)
        .where(CafeSession.id.in_(session_ids))
        .order_by(CafeSession.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return {session.id: session for session in rows}


def _give_place_away(db: Session, session: CafeSession, now: datetime) -> None:
    """A freed place goes to the first person waiting (who is told), or back to the session."""
    first_waiting = db.execute(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status == WAITING)
        .order_by(Booking.created_at, Booking.id)
        .limit(1)
    ).scalar_one_or_none()
    if first_waiting is None:
        session.booked = CafeSession.booked - 1
        db.flush()
        return
    first_waiting.status = CONFIRMED
    db.add(Outbox(kind=WAITLIST_PROMOTED, booking=first_waiting, due_at=now))
    _schedule_reminder(db, first_waiting, now)


def _schedule_reminder(db: Session, booking: Booking, now: datetime) -> None:
    """One reminder per booking: a new one, or the existing one reset (after a change)."""
    due_at = reminder_due(booking.session.starts_at, now)
    reminder = db.execute(
        select(Outbox).where(Outbox.kind == REMINDER, Outbox.booking_id == booking.id)
    ).scalar_one_or_none()
    if reminder is None:
        db.add(Outbox(kind=REMINDER, booking=booking, due_at=due_at))
    else:
        reminder.due_at, reminder.sent_at = due_at, None
        reminder.attempts, reminder.last_error = 0, None
    db.flush()


def _drop_pending_messages(db: Session, booking: Booking) -> None:
    db.execute(
        delete(Outbox)
        .where(Outbox.booking_id == booking.id, Outbox.sent_at.is_(None))
        .execution_options(synchronize_session=False)
    )
