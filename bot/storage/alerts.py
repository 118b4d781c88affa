"""Alerts to a référent: stored first, with their deliveries, then delivered from that outbox.

`raise_alert` writes the alert and one delivery row per target (email, webhook) in one
transaction: once it returns, nothing can lose the alert. `deliver_due_alerts` sends each due
delivery at most once (claimed and marked sent in one transaction, as in bot/storage/outbox.py);
a failed send stays pending with its error and is retried later, backing off. Urgent alerts
(raised after a danger message) are delivered before the others. Knows nothing of
Rasa, SMTP or HTTP: the sender (bot/alerts.py) passes the transports.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Dict, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import transaction
from bot.storage.models import EMAIL, WEBHOOK, Alert, AlertDelivery, utc_now
from bot.storage.references import ALERT

TARGETS = (EMAIL, WEBHOOK)
RETRY_FIRST_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
LAST_ERROR_MAX = 1000

PENDING = "pending"
TRANSMITTED = "transmitted"


@dataclass(frozen=True)
class AlertMessage:
    """What a transport needs, detached from the database session."""

    reference: str
    created_at: datetime
    first_name: str
    phone: Optional[str]
    email: Optional[str]
    theme: str
    quartier: str
    availability: str
    summary: str
    channel: str
    on_behalf: bool
    referent_name: str
    referent_email: str
    # Set for an alert raised after a danger message: its category, and who gets a copy.
    danger: Optional[str] = None
    copy_email: Optional[str] = None

    @property
    def urgent(self) -> bool:
        return self.danger is not None

    @classmethod
    def of(cls, alert: Alert) -> "AlertMessage":
        return cls(**{field: getattr(alert, field) for field in cls.__dataclass_fields__})

    def as_dict(self) -> Dict:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


def raise_alert(db: Session, idempotency_key: Optional[str] = None, **details) -> Alert:
    """Store the alert and its deliveries, due now, in one transaction; the same idempotency key
    (a replayed message) returns the alert already stored."""
    if idempotency_key is not None:
        existing = db.execute(
            select(Alert).where(Alert.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    now = utc_now()
    try:
        with transaction(db):
            alert = Alert(
                reference=_unused_reference(db), created_at=now, consent_at=now,
                idempotency_key=idempotency_key, **details,
            )
            db.add(alert)
            db.flush()
            db.add_all(
                AlertDelivery(alert_id=alert.id, target=target, next_attempt_at=now)
                for target in TARGETS
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        return db.execute(
            select(Alert).where(Alert.idempotency_key == idempotency_key)
        ).scalar_one()
    return alert


def alert_status(db: Session, reference: str) -> Optional[str]:
    """PENDING until one target has it, then TRANSMITTED; None for an unknown reference."""
    alert = db.execute(
        select(Alert).where(Alert.reference == ALERT.normalise(reference))
    ).scalar_one_or_none()
    if alert is None:
        return None
    return TRANSMITTED if any(d.sent_at for d in alert.deliveries) else PENDING


def deliver_due_alerts(
    db_factory: sessionmaker,
    transports: Dict[str, Callable[[AlertMessage], None]],
    now: Optional[datetime] = None,
) -> int:
    """Send every delivery due by `now` whose target has a transport; returns how many were sent.

    Targets without a transport (not configured) are left pending, untouched. A failed send
    records its error and its next attempt, so one run never retries it.
    """
    now = now or utc_now()
    sent = 0
    while True:
        with db_factory() as db, transaction(db):
            claimed = db.execute(
                select(AlertDelivery)
                .join(Alert, AlertDelivery.alert_id == Alert.id)
                .where(
                    AlertDelivery.sent_at.is_(None),
                    AlertDelivery.next_attempt_at <= now,
                    AlertDelivery.target.in_(list(transports)),
                )
                .order_by(Alert.danger.is_(None), AlertDelivery.next_attempt_at, AlertDelivery.id)
                .limit(1)
                .with_for_update(skip_locked=True, of=AlertDelivery)
            ).scalar_one_or_none()
            if claimed is None:
                return sent
            claimed.attempts += 1
            try:
                transports[claimed.target](AlertMessage.of(claimed.alert))
            except Exception as error:
                claimed.last_error = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX]
                claimed.next_attempt_at = now + min(
                    RETRY_FIRST_DELAY * 2 ** (claimed.attempts - 1), RETRY_MAX_DELAY
                )
            else:
                claimed.sent_at = now
                claimed.last_error = None
                sent += 1


def _unused_reference(db: Session) -> str:
    while True:
        reference = ALERT.new()
        if db.execute(select(Alert.id).where(Alert.reference == reference)).first() is None:
            return reference
