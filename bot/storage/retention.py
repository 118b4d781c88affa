"""Keep personal data no longer than residents were told.

Bookings: a resident consents to their first name and phone being kept until the café emploi.

A resident consents to their first name and phone being kept until the café emploi. The day after
it, its bookings (confirmed, waiting or cancelled) and their messages are deleted; a cancelled
booking is deleted at the next purge, whatever its date. The session keeps its count of places.
The reminder sender (bot/reminders.py) runs the purge on every round.

Alerts: the resident is told their request is erased ALERT_RETENTION after it was made (time for
the référent to call back, and for the resident to ask where it is). Then the alert and its
deliveries are deleted, delivered or not: a request a référent never got within that time is
stale, and what the resident was promised comes first. The alert sender (bot/alerts.py) runs it.
"""

from datetime import datetime, time, timedelta
from typing import Optional, Tuple

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.storage.booking import PARIS
from bot.storage.database import transaction
from bot.storage.models import (
    CANCELLED,
    Alert,
    AlertDelivery,
    Booking,
    CafeSession,
    Outbox,
    utc_now,
)

ALERT_RETENTION = timedelta(days=30)


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


def purge_alerts(db: Session, now: Optional[datetime] = None) -> Tuple[int, int]:
    """Delete the alerts made more than ALERT_RETENTION ago; how many, and how many of those
    had a delivery never sent (for the log: somebody should look at the targets)."""
    expired = select(Alert.id).where(Alert.created_at < (now or utc_now()) - ALERT_RETENTION)
    with transaction(db):
        ids = list(db.execute(expired).scalars())
        if not ids:
            return 0, 0
        undelivered = db.execute(
            select(func.count(func.distinct(AlertDelivery.alert_id))).where(
                AlertDelivery.alert_id.in_(ids), AlertDelivery.sent_at.is_(None)
            )
        ).scalar_one()
        db.execute(
            delete(AlertDelivery)
            .where(AlertDelivery.alert_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        db.execute(
            delete(Alert).where(Alert.id.in_(ids)).execution_options(synchronize_session=False)
        )
        return len(ids), undelivered
