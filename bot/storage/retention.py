"""Keep first names and phone numbers no longer than residents were told: until the session.

A resident consents to their first name and phone being kept until the café emploi. The day after
it, its bookings (confirmed, waiting or cancelled) and their messages are deleted; a cancelled
booking is deleted at the next purge, whatever its date. The session keeps its count of places.
The reminder sender (bot/reminders.py) runs the purge on every round.
"""

from datetime import datetime, time
from typing import Optional

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bot.storage.booking import PARIS
from bot.storage.database import transaction
from bot.storage.models import CANCELLED, Booking, CafeSession, Outbox, utc_now


def purge_personal_data(db: Session, now: Optional[datetime] = None) -> int:
    """Delete the bookings of sessions held before today (Paris) and cancelled ones; how many."""
    now = now or utc_now()
    start_of_today = datetime.combine(now.astimezone(PARIS).date(), time(0), tzinfo=PARIS)
    expired = (
        select(Booking.id)
        .join(Booking.session)
        .where(or_(CafeSession.starts_at < start_of_today, Booking.status == CANCELLED))
    )
    with transaction(db):
        ids = list(db.execute(expired).scalars())
        if not ids:
            return 0
        db.execute(
            delete(Outbox)
            .where(Outbox.booking_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        db.execute(
            delete(Booking).where(Booking.id.in_(ids)).execution_options(synchronize_session=False)
        )
        return len(ids)
