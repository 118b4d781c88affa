"""One outbox engine for everything the assistant sends later: café emploi reminders
(bot/storage/booking_messages.py), alerts to référents (bot/storage/alerts.py) and SMS
(bot/storage/sms.py). Each is a queue: a table of rows to send, and how to read one.

A message is written in the same transaction as what caused it, so nothing is lost. Delivery:

1. claim the next due row in a short transaction: on PostgreSQL the row is locked and rows other
   workers hold are skipped (FOR UPDATE SKIP LOCKED); its next attempt is pushed past a lease,
   so that no other worker takes it while it is being sent;
2. send it with no transaction open (a slow SMTP server or SMS operator never holds SQLite's
   write lock: residents' bookings and incoming SMS go on);
3. mark it in another short transaction: sent; or failed, to be retried later, backing off
   (doubling, up to a maximum); or, after `max_attempts` failures or a refusal for good
   (`Undeliverable`), dead: kept with its last error, never retried.

A crash between the send and the mark sends the message again once its lease is over: a message
can go twice, never zero times. The transports are callables registered by name; the queue says
which name a message needs (its channel, its target), so this module imports no transport.
"""

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, Collection, Generic, Mapping, Optional, Tuple, TypeVar

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Select

from bot.storage.database import transaction
from bot.storage.models import utc_now

logger = logging.getLogger(__name__)

M = TypeVar("M")
# A transport sends one message; what it returns (the operator's message id…) is the receipt.
Transport = Callable[[Any], Optional[str]]

LAST_ERROR_MAX = 1000


class Undeliverable(Exception):
    """The transport refused this message for good (a bad number, say): retrying will not help."""


class NoTransport(RuntimeError):
    """No transport is registered under the name the message needs: it waits, retried later."""


class Queue(Generic[M]):
    """What the engine needs to know of one outbox table; subclasses fill in the blanks."""

    name: str
    table: Any
    next_attempt_column = "next_attempt_at"
    first_retry = timedelta(minutes=1)
    max_retry = timedelta(hours=1)
    max_attempts = 10
    lease = timedelta(minutes=1)
    # After a failure, stop the round: the transport is likely down, and messages to the same
    # person must not overtake the one that failed.
    stop_after_failure = False

    def due(self, now: datetime, transports: Collection[str]) -> Select:
        """Rows still to send, due by `now`, oldest first (those needing a transport in
        `transports` only, where the queue knows it from the row)."""
        raise NotImplementedError

    def message(self, row: Any) -> M:
        """What a transport needs, detached from the database session."""
        raise NotImplementedError

    def transport(self, message: M) -> str:
        """The name of the transport that sends `message`."""
        raise NotImplementedError

    def skip(self, db: Session, row: Any) -> bool:
        """Whether a claimed row must be dropped unsent (its state set here); by default never."""
        return False

    def on_sent(self, row: Any, now: datetime, receipt: Optional[str]) -> None:
        row.sent_at = now

    def on_dead(self, row: Any, now: datetime) -> None:
        row.dead_at = now

    def on_retry(self, db: Session, row: Any, retry_at: datetime) -> None:
        """After a failure, once the row's next attempt is set (other rows may wait with it)."""


def deliver(
    db_factory: sessionmaker,
    queue: Queue,
    transports: Mapping[str, Transport],
    now: Optional[datetime] = None,
) -> int:
    """Send every message of `queue` due by `now` (default: the current time); how many were
    sent. A message that fails is due again after a delay, so one round never retries it."""
    sent = 0
    while True:
        at = now or utc_now()
        claimed = _claim(db_factory, queue, transports, at)
        if claimed is None:
            return sent
        row_id, message = claimed
        try:
            transport = transports.get(queue.transport(message))
            if transport is None:
                raise NoTransport(f"no transport '{queue.transport(message)}'")
            receipt = transport(message)
        except Undeliverable as error:
            _finish(db_factory, queue, row_id, at, error=error, dead=True)
        except Exception as error:
            _finish(db_factory, queue, row_id, at, error=error)
            if queue.stop_after_failure:
                return sent
        else:
            _finish(db_factory, queue, row_id, at, receipt=receipt)
            sent += 1


def _claim(
    db_factory: sessionmaker, queue: Queue, transports: Collection[str], now: datetime
) -> Optional[Tuple[Any, Any]]:
    """The next due row, leased; rows the queue skips are dropped on the way."""
    while True:
        with db_factory() as db, transaction(db):
            row = db.execute(
                queue.due(now, transports)
                .limit(1)
                .with_for_update(skip_locked=True, of=queue.table)
            ).scalar_one_or_none()
            if row is None:
                return None
            if queue.skip(db, row):
                continue
            setattr(row, queue.next_attempt_column, now + queue.lease)
            return row.id, queue.message(row)


def _finish(
    db_factory: sessionmaker,
    queue: Queue,
    row_id: Any,
    now: datetime,
    receipt: Optional[str] = None,
    error: Optional[Exception] = None,
    dead: bool = False,
) -> None:
    with db_factory() as db, transaction(db):
        row = db.get(queue.table, row_id, populate_existing=True)
        row.attempts += 1
        if error is None:
            row.last_error = None
            queue.on_sent(row, now, receipt)
            return
        row.last_error = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX]
        if dead or row.attempts >= queue.max_attempts:
            queue.on_dead(row, now)
            logger.error(
                "%s message %s given up after %d attempt(s): %s",
                queue.name,
                row_id,
                row.attempts,
                row.last_error,
            )
            return
        retry_at = now + min(queue.first_retry * 2 ** (row.attempts - 1), queue.max_retry)
        logger.warning(
            "%s message %s not sent, retried at %s: %s",
            queue.name,
            row_id,
            retry_at.isoformat(timespec="seconds"),
            row.last_error,
        )
        setattr(row, queue.next_attempt_column, retry_at)
        db.flush()
        queue.on_retry(db, row, retry_at)
