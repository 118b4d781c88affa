"""The SMS outbox, a queue of the outbox engine (bot/storage/outbox.py), for every sender: the SMS
channel's replies, the reception desk's fiches, the café emploi reminders.

Numbers are kept as keyed hashes, except the recipient of an SMS not sent yet (emptied once it is
sent or dropped). Nothing goes to a number that answered STOP but the confirmation of that STOP.
SMS to one number go in order: after a failure the round ends, and the number's later SMS wait
with the one that failed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Collection, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.storage.models import DROPPED, PENDING, SENT, SmsOptOut, SmsOutbound
from bot.storage.outbox import Queue

# What an SMS sent is (SmsOutbound.kind); the opt-out confirmation goes to an opted-out number.
REPLY = "reply"
NOTICE = "notice"
DESK = "desk"  # a fiche sent from the console's reception desk, with the person's consent
REMINDER = "reminder"  # a café emploi message (bot/reminders.py)
OPT_OUT_CONFIRMATION = "opt_out_confirmation"

# The one transport of this queue, by the name the engine looks it up with.
TRANSPORT = "sms"


@dataclass(frozen=True)
class Sms:
    """What the operator needs, detached from the database session."""

    id: int
    to_number: str
    body: str
    recipient_hash: str
    from_number: Optional[str]  # None: the operator's default number


def is_opted_out(db: Session, recipient_hash: str) -> bool:
    return db.get(SmsOptOut, recipient_hash) is not None


def enqueue(
    db: Session,
    recipient_hash: str,
    number: str,
    bodies: List[str],
    kind: str,
    now: datetime,
    from_number: Optional[str] = None,
) -> None:
    """Put SMS in the outbox, in order (part of the caller's transaction); `from_number`: the
    territory's number they go from, None for the operator's default."""
    for body in bodies:
        db.add(
            SmsOutbound(
                recipient_hash=recipient_hash,
                to_number=number,
                from_number=from_number,
                body=body,
                kind=kind,
                status=PENDING,
                created_at=now,
                next_attempt_at=now,
            )
        )


class SmsQueue(Queue[Sms]):
    name = "SMS"
    table = SmsOutbound
    max_retry = timedelta(hours=1)
    # A reply hours late helps nobody: about three hours of tries, then it is dropped.
    max_attempts = 10
    stop_after_failure = True

    def __init__(self, first_retry: timedelta, send_timeout: timedelta) -> None:
        self.first_retry = first_retry
        self.lease = send_timeout + timedelta(seconds=30)

    def due(self, now: datetime, transports: Collection[str] = ()) -> Select:
        return (
            select(SmsOutbound)
            .where(SmsOutbound.status == PENDING, SmsOutbound.next_attempt_at <= now)
            .order_by(SmsOutbound.next_attempt_at, SmsOutbound.id)
        )

    def message(self, row: SmsOutbound) -> Sms:
        return Sms(row.id, row.to_number, row.body, row.recipient_hash, row.from_number)

    def transport(self, message: Sms) -> str:
        return TRANSPORT

    def skip(self, db: Session, row: SmsOutbound) -> bool:
        """An SMS to a number that answered STOP since it was queued is dropped."""
        if row.kind == OPT_OUT_CONFIRMATION or not is_opted_out(db, row.recipient_hash):
            return False
        row.status, row.to_number = DROPPED, None
        return True

    def on_sent(self, row: SmsOutbound, now: datetime, receipt) -> None:
        row.status, row.sent_at, row.operator_sid, row.to_number = SENT, now, receipt, None

    def on_dead(self, row: SmsOutbound, now: datetime) -> None:
        row.status, row.to_number = DROPPED, None

    def on_retry(self, db: Session, row: SmsOutbound, retry_at: datetime) -> None:
        """The number's later SMS wait with this one, keeping their order."""
        db.execute(
            update(SmsOutbound)
            .where(
                SmsOutbound.recipient_hash == row.recipient_hash,
                SmsOutbound.status == PENDING,
                SmsOutbound.next_attempt_at < retry_at,
            )
            .values(next_attempt_at=retry_at)
            .execution_options(synchronize_session=False)
        )
