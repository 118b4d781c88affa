"""The café emploi messages sent later, a queue of the outbox engine (bot/storage/outbox.py):
the reminder, the evening before the session, and "a place is yours" for the first person on a
waiting list. Written with the booking (bot/storage/booking.py); a message is due only while
its booking is on and its session to come. Each goes through the transport named after the
channel the person booked from (bot/reminders.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Collection

from sqlalchemy import select
from sqlalchemy.sql import Select

from bot.storage.models import CANCELLED, Booking, CafeSession, Outbox
from bot.storage.outbox import Queue


@dataclass(frozen=True)
class Message:
    """What a transport needs, detached from the database session."""

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
    territory: str


class BookingMessages(Queue[Message]):
    name = "booking message"
    table = Outbox
    next_attempt_column = "due_at"
    first_retry = timedelta(minutes=5)
    max_retry = timedelta(hours=6)
    # 5 min, 10, 20 … then every 6 hours: the session is usually over before the last one.
    max_attempts = 8
    lease = timedelta(minutes=2)

    def due(self, now: datetime, transports: Collection[str] = ()) -> Select:
        return (
            select(Outbox)
            .join(Outbox.booking)
            .join(Booking.session)
            .where(
                Outbox.sent_at.is_(None),
                Outbox.dead_at.is_(None),
                Outbox.due_at <= now,
                Booking.status != CANCELLED,
                CafeSession.starts_at > now,
            )
            .order_by(Outbox.due_at, Outbox.id)
        )

    def message(self, row: Outbox) -> Message:
        booking = row.booking
        session = booking.session
        return Message(
            id=row.id,
            kind=row.kind,
            attempts=row.attempts,
            reference=booking.reference,
            first_name=booking.first_name,
            phone=booking.phone,
            channel=booking.channel,
            session_starts_at=session.starts_at,
            theme=session.theme,
            centre_name=session.centre.name,
            centre_address=session.centre.address,
            territory=session.centre.territory,
        )

    def transport(self, message: Message) -> str:
        return message.channel


BOOKING_MESSAGES = BookingMessages()
