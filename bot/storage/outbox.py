"""Deliver the persisted outbox: each due message is sent once, even across restarts and workers.

A message is claimed in a transaction that stays open while it is sent and is marked sent in that
same transaction, after the send succeeded: a crash before that leaves it pending for the next
run. On PostgreSQL the claim locks the row and skips rows other workers hold (FOR UPDATE SKIP
LOCKED); on SQLite the transaction holds the write lock (BEGIN IMMEDIATE), so workers take turns,
and booking writers wait for the send too: the sender must time out well within the busy timeout.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import transaction
from bot.storage.models import CANCELLED, Booking, CafeSession, Outbox, utc_now

RETRY_FIRST_DELAY = timedelta(minutes=5)
RETRY_MAX_DELAY = timedelta(hours=6)
LAST_ERROR_MAX = 1000


@dataclass(frozen=True)
class Message:
    """What a sender needs, detached from the database session."""

    id: int
    kind: str
    attempts: int
    reference: str
    first_name: str
    phone: str
    channel: str
    session_starts_at: datetime
    theme: str
    centre_name: str
    centre_address: str


def due_messages(db: Session, now: datetime) -> List[Outbox]:
    """Unsent messages due by `now`, oldest first, for bookings still on and sessions to come."""
    with transaction(db):
        return list(db.execute(_due(now)).scalars())


def mark_sent(db: Session, message_id: int, now: datetime) -> None:
    """Record a successful send (part of the caller's transaction: does not commit)."""
    db.execute(
        update(Outbox)
        .where(Outbox.id == message_id)
        .values(sent_at=now, attempts=Outbox.attempts + 1, last_error=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(db: Session, message_id: int, error: str, now: datetime) -> None:
    """Record a failed send and retry later, backing off (part of the caller's transaction)."""
    message = db.get(Outbox, message_id, populate_existing=True)
    message.attempts += 1
    message.last_error = error[:LAST_ERROR_MAX]
    message.due_at = now + min(RETRY_FIRST_DELAY * 2 ** (message.attempts - 1), RETRY_MAX_DELAY)
    db.flush()


def deliver_due(
    db_factory: sessionmaker, send: Callable[[Message], None], now: Optional[datetime] = None
) -> int:
    """Send every message due by `now`, one transaction each; returns how many were sent.

    A message whose send raises stays pending with its error, due again after a delay, so one
    run never retries it.
    """
    now = now or utc_now()
    sent = 0
    while True:
        with db_factory() as db, transaction(db):
            claimed = db.execute(
                _due(now).limit(1).with_for_update(skip_locked=True, of=Outbox)
            ).scalar_one_or_none()
            if claimed is None:
                return sent
            try:
                send(_message(claimed))
            except Exception as error:
                mark_failed(db, claimed.id, f"{type(error).__name__}: {error}", now)
            else:
                mark_sent(db, claimed.id, now)
                sent += 1


def _due(now: datetime):
    return (
        select(Outbox)
        .join(Outbox.booking)
        .join(Booking.session)
        .where(
            Outbox.sent_at.is_(None),
            Outbox.due_at <= now,
            Booking.status != CANCELLED,
            CafeSession.starts_at > now,
        )
        .order_by(Outbox.due_at, Outbox.id)
    )


def _message(outbox: Outbox) -> Message:
    booking = outbox.booking
    session = booking.session
    return Message(
        id=outbox.id,
        kind=outbox.kind,
        attempts=outbox.attempts,
        reference=booking.reference,
        first_name=booking.first_name,
        phone=booking.phone,
        channel=booking.channel,
        session_starts_at=session.starts_at,
        theme=session.theme,
        centre_name=session.centre.name,
        centre_address=session.centre.address,
    )
