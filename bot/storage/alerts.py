"""Alerts to a référent: stored first, with their deliveries, then delivered from that outbox.

`raise_alert` writes the alert and one delivery row per target (email, webhook) in one
transaction: once it returns, nothing can lose the alert. The deliveries are a queue of the
outbox engine (bot/storage/outbox.py): sent outside any transaction, retried backing off, given
up after a day of failures. Urgent alerts (raised after a danger message) go first. Knows
nothing of Rasa, SMTP or HTTP: the sender (bot/alerts.py) passes the transports.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Collection, Dict, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.storage.database import transaction
from bot.storage.models import EMAIL, WEBHOOK, Alert, AlertDelivery, utc_now
from bot.storage.outbox import Queue, deliver
from bot.storage.references import ALERT

TARGETS = (EMAIL, WEBHOOK)

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
                reference=_unused_reference(db),
                created_at=now,
                consent_at=now,
                idempotency_key=idempotency_key,
                **details,
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


def alert_status(db: Session, reference: str, territory: Optional[str] = None) -> Optional[str]:
    """PENDING until one target has it, then TRANSMITTED; None for an unknown reference (or
    one of another territory than `territory`, if given)."""
    query = select(Alert).where(Alert.reference == ALERT.normalise(reference))
    if territory is not None:
        query = query.where(Alert.territory == territory)
    alert = db.execute(query).scalar_one_or_none()
    if alert is None:
        return None
    return TRANSMITTED if any(d.sent_at for d in alert.deliveries) else PENDING


@dataclass(frozen=True)
class TargetedAlert:
    """One delivery: the alert, and the target (transport) it goes to."""

    target: str
    alert: AlertMessage


class AlertDeliveries(Queue[TargetedAlert]):
    """Each alert's deliveries, one per target; urgent alerts (after a danger message) first.
    A target without a transport (not configured) keeps its deliveries pending, untouched."""

    name = "alert delivery"
    table = AlertDelivery
    first_retry = timedelta(seconds=30)
    max_retry = timedelta(hours=1)
    # 30 s, 1 min … then hourly: about a day of tries before a delivery is given up.
    max_attempts = 30
    lease = timedelta(minutes=1)

    def due(self, now: datetime, transports: Collection[str]) -> Select:
        return (
            select(AlertDelivery)
            .join(Alert, AlertDelivery.alert_id == Alert.id)
            .where(
                AlertDelivery.sent_at.is_(None),
                AlertDelivery.dead_at.is_(None),
                AlertDelivery.next_attempt_at <= now,
                AlertDelivery.target.in_(list(transports)),
            )
            .order_by(Alert.danger.is_(None), AlertDelivery.next_attempt_at, AlertDelivery.id)
        )

    def message(self, row: AlertDelivery) -> TargetedAlert:
        return TargetedAlert(row.target, AlertMessage.of(row.alert))

    def transport(self, message: TargetedAlert) -> str:
        return message.target


ALERT_DELIVERIES = AlertDeliveries()


def deliver_due_alerts(
    db_factory: sessionmaker,
    transports: Mapping[str, Callable[[AlertMessage], None]],
    now: Optional[datetime] = None,
) -> int:
    """Send every delivery due by `now` whose target has a transport; how many were sent."""

    def to(send: Callable[[AlertMessage], None]) -> Callable[[TargetedAlert], None]:
        return lambda delivery: send(delivery.alert)

    by_target = {target: to(send) for target, send in transports.items()}
    return deliver(db_factory, ALERT_DELIVERIES, by_target, now)


def _unused_reference(db: Session) -> str:
    while True:
        reference = ALERT.new()
        if db.execute(select(Alert.id).where(Alert.reference == reference)).first() is None:
            return reference
