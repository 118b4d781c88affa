"""Deliver the SMS outbox: each pending SMS is handed to the operator once, in order per number,
and none is lost when the operator is down (it stays pending and is retried, backing off).

A row is claimed (its next attempt pushed past the send timeout, so that another worker leaves
it alone) in one short transaction, sent outside any transaction, then marked in another: the
database is never locked while the network is slow. A crash between the send and the mark can
send an SMS twice; it never loses one.
"""

import logging
from datetime import timedelta
from typing import Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.storage.database import transaction
from bot.storage.models import DROPPED, PENDING, SENT, SmsOutbound, utc_now
from channels.sms.operator import Operator, Rejected
from channels.sms.privacy import log_id
from channels.sms.store import OPT_OUT_CONFIRMATION, is_opted_out

logger = logging.getLogger(__name__)

RETRY_MAX_DELAY = timedelta(hours=1)
LAST_ERROR_MAX = 1000
CLAIM_MARGIN = timedelta(seconds=30)


def deliver_pending(
    db_factory: sessionmaker, operator: Operator, first_retry_delay: timedelta, claim: timedelta
) -> int:
    """Send every SMS due; how many were sent. A failure ends the round (the operator is likely
    down, and the number's next SMS must not overtake the failed one)."""
    sent = 0
    while True:
        claimed = _claim_next(db_factory, claim + CLAIM_MARGIN)
        if claimed is None:
            return sent
        row_id, to_number, body, recipient = claimed
        try:
            operator_sid = operator.send(to_number, body)
        except Rejected as error:
            logger.error("SMS %d to %s rejected by the operator: %s", row_id, log_id(recipient), error)
            _finish(db_factory, row_id, status=DROPPED, last_error=str(error)[:LAST_ERROR_MAX])
        except Exception as error:
            logger.warning("SMS %d to %s not sent, retried later: %s", row_id, log_id(recipient), error)
            _retry_later(db_factory, row_id, recipient, f"{type(error).__name__}: {error}",
                         first_retry_delay)
            return sent
        else:
            _finish(db_factory, row_id, status=SENT, operator_sid=operator_sid, sent_at=utc_now())
            sent += 1


def _claim_next(db_factory: sessionmaker, lease: timedelta) -> Optional[Tuple[int, str, str, str]]:
    """The next due SMS, claimed for `lease`; one to an opted-out number is dropped instead."""
    while True:
        now = utc_now()
        with db_factory() as db, transaction(db):
            row = db.execute(
                select(SmsOutbound)
                .where(SmsOutbound.status == PENDING, SmsOutbound.next_attempt_at <= now)
                .order_by(SmsOutbound.next_attempt_at, SmsOutbound.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if row is None:
                return None
            if row.kind != OPT_OUT_CONFIRMATION and is_opted_out(db, row.recipient_hash):
                row.status, row.to_number = DROPPED, None
                continue
            row.next_attempt_at = now + lease
            return row.id, row.to_number, row.body, row.recipient_hash


def _finish(db_factory: sessionmaker, row_id: int, **values) -> None:
    """Sent or dropped: the number in clear is no longer needed."""
    with db_factory() as db, transaction(db):
        row = db.get(SmsOutbound, row_id)
        row.attempts += 1
        row.to_number = None
        for name, value in values.items():
            setattr(row, name, value)


def _retry_later(
    db_factory: sessionmaker, row_id: int, recipient: str, error: str, first_delay: timedelta
) -> None:
    """Back off (doubling, at most hourly); the number's later SMS wait with it, keeping order."""
    with db_factory() as db, transaction(db):
        row = db.get(SmsOutbound, row_id)
        row.attempts += 1
        row.last_error = error[:LAST_ERROR_MAX]
        retry_at = utc_now() + min(first_delay * 2 ** (row.attempts - 1), RETRY_MAX_DELAY)
        row.next_attempt_at = retry_at
        db.flush()
        db.execute(
            update(SmsOutbound)
            .where(
                SmsOutbound.recipient_hash == recipient,
                SmsOutbound.status == PENDING,
                SmsOutbound.next_attempt_at < retry_at,
            )
            .values(next_attempt_at=retry_at)
            .execution_options(synchronize_session=False)
        )
