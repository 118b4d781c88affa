"""The SMS channel's records (bot/storage/models.py: SmsInbound, SmsOptOut, SmsChoice; the SMS
outbox is bot/storage/sms.py). Synchronous: the channel calls these from worker threads.

Numbers appear only as keyed hashes, except the recipient of an SMS not sent yet.
"""

import json
from datetime import datetime, timedelta
from typing import List, Mapping, Optional

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.storage.database import transaction
from bot.storage.models import (
    DROPPED,
    PENDING,
    SENT,
    SmsChoice,
    SmsInbound,
    SmsOptOut,
    SmsOutbound,
)
from bot.storage.sms import OPT_OUT_CONFIRMATION, REPLY, enqueue
from channels.sms.keywords import START, STOP

# What became of a received SMS (SmsInbound.outcome).
ACCEPTED = "accepted"
THROTTLE_NOTICE = "throttle_notice"
THROTTLED = "throttled"
OPTED_OUT = "opted_out"
OPT_OUT = "stop"
OPT_IN = "start"

# How long a message id is remembered: a request captured and replayed within this time is
# ignored (the operator retries within minutes; replays come later). Rate windows are shorter.
RETENTION = timedelta(days=7)


def record_inbound(
    db: Session,
    message_sid: str,
    sender_hash: str,
    keyword: str,
    now: datetime,
    limit: int,
    window: timedelta,
    *,
    number: str,
    confirmations: Mapping[str, List[str]],
    from_number: Optional[str] = None,
) -> Optional[str]:
    """Record a received SMS and decide what to do with it, in one transaction; None when this
    MessageSid was already received (the operator retried): it is not processed again.

    STOP and START are always honoured, in that same transaction, their confirmation
    (`confirmations[OPT_OUT]` or `[OPT_IN]`) queued: the number's next SMS, even one sent at
    once, finds its new state. An opted-out number is otherwise ignored; past `limit` accepted
    messages in `window`, the first one more gets a notice, the rest silence.
    """
    try:
        with transaction(db):
            if db.execute(
                select(SmsInbound.id).where(SmsInbound.message_sid == message_sid)
            ).first():
                return None
            outcome = _outcome(db, sender_hash, keyword, now, limit, window)
            db.add(
                SmsInbound(
                    message_sid=message_sid,
                    sender_hash=sender_hash,
                    received_at=now,
                    outcome=outcome,
                )
            )
            if outcome == OPT_OUT:
                _opt_out(db, sender_hash, number, confirmations[OPT_OUT], now, from_number)
            elif outcome == OPT_IN:
                _opt_in(db, sender_hash, number, confirmations[OPT_IN], now, from_number)
    except IntegrityError:  # the same MessageSid, received at the same time by another worker
        return None
    return outcome


def _outcome(db, sender_hash, keyword, now, limit, window) -> str:
    if keyword == STOP:
        return OPT_OUT
    if keyword == START:
        return OPT_IN
    if db.get(SmsOptOut, sender_hash) is not None:
        return OPTED_OUT
    recent = select(func.count(SmsInbound.id)).where(
        SmsInbound.sender_hash == sender_hash, SmsInbound.received_at > now - window
    )
    if db.execute(recent.where(SmsInbound.outcome == ACCEPTED)).scalar_one() < limit:
        return ACCEPTED
    noticed = db.execute(recent.where(SmsInbound.outcome == THROTTLE_NOTICE)).scalar_one()
    return THROTTLED if noticed else THROTTLE_NOTICE


def _opt_out(
    db: Session,
    sender_hash: str,
    number: str,
    confirmation: List[str],
    now: datetime,
    from_number: Optional[str],
) -> None:
    """STOP: remember it, drop what was still to be sent, queue the one confirmation."""
    if db.get(SmsOptOut, sender_hash) is None:
        db.add(SmsOptOut(sender_hash=sender_hash, opted_out_at=now))
    db.execute(
        update(SmsOutbound)
        .where(SmsOutbound.recipient_hash == sender_hash, SmsOutbound.status == PENDING)
        .values(status=DROPPED, to_number=None)
    )
    db.execute(delete(SmsChoice).where(SmsChoice.sender_hash == sender_hash))
    enqueue(db, sender_hash, number, confirmation, OPT_OUT_CONFIRMATION, now, from_number)


def _opt_in(
    db: Session,
    sender_hash: str,
    number: str,
    confirmation: List[str],
    now: datetime,
    from_number: Optional[str],
) -> None:
    """START: messages may go to this number again."""
    db.execute(delete(SmsOptOut).where(SmsOptOut.sender_hash == sender_hash))
    enqueue(db, sender_hash, number, confirmation, REPLY, now, from_number)


def send_later(
    db: Session,
    sender_hash: str,
    number: str,
    bodies: List[str],
    kind: str,
    now: datetime,
    from_number: Optional[str] = None,
) -> None:
    """Queue the channel's own texts (help, notices) in their own transaction."""
    with transaction(db):
        enqueue(db, sender_hash, number, bodies, kind, now, from_number)


def save_reply(
    db: Session,
    sender_hash: str,
    number: str,
    bodies: List[str],
    choice_payloads: List[str],
    now: datetime,
    from_number: Optional[str] = None,
) -> None:
    """Queue the bot's reply, and keep the buttons it offered (or forget the previous ones)."""
    with transaction(db):
        db.execute(delete(SmsChoice).where(SmsChoice.sender_hash == sender_hash))
        if choice_payloads:
            db.add(
                SmsChoice(
                    sender_hash=sender_hash, payloads=json.dumps(choice_payloads), created_at=now
                )
            )
        enqueue(db, sender_hash, number, bodies, REPLY, now, from_number)


def choice_payload(db: Session, sender_hash: str, number: int) -> Optional[str]:
    """The payload of button `number` (from 1) last offered to this number, if there is one."""
    choice = db.get(SmsChoice, sender_hash)
    if choice is None:
        return None
    payloads = json.loads(choice.payloads)
    return payloads[number - 1] if 1 <= number <= len(payloads) else None


def purge(db: Session, now: datetime, window: timedelta) -> None:
    """Forget what is no longer needed: old receipts, sent or dropped SMS, stale choices."""
    cutoff = now - max(RETENTION, window)
    with transaction(db):
        db.execute(delete(SmsInbound).where(SmsInbound.received_at < cutoff))
        db.execute(
            delete(SmsOutbound).where(
                SmsOutbound.status.in_((SENT, DROPPED)), SmsOutbound.created_at < cutoff
            )
        )
        db.execute(delete(SmsChoice).where(SmsChoice.created_at < cutoff))
