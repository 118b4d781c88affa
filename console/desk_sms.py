"""A fiche sent by SMS from the reception desk, with the resident's consent: its short answer
(`sms:`, in GSM-7) goes through the SMS outbox, as the channel's own replies do, so a number that
answered STOP gets nothing and the number in clear is emptied once sent (bot/transports/sms.py).
One delivery round runs at once; what the operator does not take now, the SMS channel of the
running Rasa server retries.
"""

import asyncio
import logging
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.gsm7 import to_sms_text
from bot.knowledge import Fiche
from bot.storage.database import in_worker_thread
from bot.storage.models import DROPPED, PENDING, SENT, SmsOutbound, utc_now
from bot.storage.phone import log_id
from bot.storage.sms import DESK
from bot.transports.sms import deliver_sms, queue_sms
from bot.transports.sms_config import SmsConfig

logger = logging.getLogger(__name__)


def sms_text(fiche: Fiche) -> str:
    """What the person receives: the fiche's short answer, in GSM-7."""
    return to_sms_text(fiche.sms)


async def send_fiche(
    sessions: sessionmaker,
    config: SmsConfig,
    fiche: Fiche,
    number: str,
    account_id: int,
    territory_number: Optional[str] = None,
) -> str:
    """Queue the fiche's short answer for `number`, from the territory's SMS number (None: the
    configured one), and try to deliver it now; what became of it:
    SENT, PENDING (the operator did not answer, retried later) or DROPPED (refused for good).
    OptedOut when the number answered STOP."""
    now = utc_now()

    hashed = await in_worker_thread(
        lambda db: queue_sms(db, config, number, sms_text(fiche), DESK, now, territory_number),
        sessions,
    )
    logger.info(
        "desk SMS of fiche %s queued for %s by staff account %d",
        fiche.id,
        log_id(hashed),
        account_id,
    )
    await asyncio.to_thread(deliver_sms, sessions, config)
    return await in_worker_thread(lambda db: _outcome(db, hashed, now), sessions)


def _outcome(db: Session, hashed: str, queued_at: datetime) -> str:
    statuses = set(
        db.execute(
            select(SmsOutbound.status).where(
                SmsOutbound.recipient_hash == hashed,
                SmsOutbound.kind == DESK,
                SmsOutbound.created_at >= queued_at,
            )
        ).scalars()
    )
    for status in (DROPPED, PENDING):
        if status in statuses:
            return status
    return SENT
