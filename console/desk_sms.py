"""A fiche sent by SMS from the reception desk, with the resident's consent: its short answer
(`sms:`, in GSM-7) goes through the SMS channel's outbox, as the channel's own replies do, so a
number that answered STOP gets nothing and the number in clear is emptied once sent
(channels/sms/delivery.py). One delivery round runs at once; what the operator does not take
now, the SMS channel of the running Rasa server retries.
"""

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Optional

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.gsm7 import to_sms_text
from bot.knowledge import Fiche
from bot.storage.models import DROPPED, PENDING, SENT, SmsOutbound, utc_now
from channels.sms import store
from channels.sms.config import SmsConfig
from channels.sms.delivery import deliver_pending
from channels.sms.operator import Operator
from channels.sms.privacy import log_id, number_hash
from channels.sms.replies import split_sms

logger = logging.getLogger(__name__)

FRANCE = "FR"
MOBILE_PREFIXES = ("6", "7")


class OptedOut(Exception):
    """The number answered STOP to the assistant: nothing is sent to it."""


def french_mobile(raw: str) -> Optional[str]:
    """The number in E.164 when it is a French mobile (06…, 07…, +33 6…, 0033 6…, with spaces,
    dots or dashes), else None. Length and prefix only: phonenumbers' stricter validity refuses
    the ARCEP ranges kept for fiction (06 39 98…), which demos and tests use."""
    try:
        number = phonenumbers.parse(raw, FRANCE)
    except phonenumbers.NumberParseException:
        return None
    if (number.country_code != phonenumbers.country_code_for_region(FRANCE)
            or not phonenumbers.national_significant_number(number).startswith(MOBILE_PREFIXES)
            or not phonenumbers.is_possible_number_for_type(number, phonenumbers.PhoneNumberType.MOBILE)):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_text(fiche: Fiche) -> str:
    """What the person receives: the fiche's short answer, in GSM-7."""
    return to_sms_text(fiche.sms)


async def send_fiche(
    sessions: sessionmaker, config: SmsConfig, fiche: Fiche, number: str, account_id: int
) -> str:
    """Queue the fiche's short answer for `number` and try to deliver it now; what became of it:
    SENT, PENDING (the operator did not answer, retried later) or DROPPED (refused for good)."""
    hashed = number_hash(config.hash_key, number)
    now = utc_now()

    def queue() -> None:
        with sessions() as db:
            if store.is_opted_out(db, hashed):
                raise OptedOut()
            store.send_later(db, hashed, number, split_sms([sms_text(fiche)]), store.DESK, now)

    await asyncio.to_thread(queue)
    logger.info("desk SMS of fiche %s queued for %s by staff account %d", fiche.id, log_id(hashed),
                account_id)
    await asyncio.to_thread(
        deliver_pending, sessions, Operator(config), timedelta(seconds=config.retry_interval),
        timedelta(seconds=config.send_timeout),
    )
    return await asyncio.to_thread(_outcome, sessions, hashed, now)


def _outcome(sessions: sessionmaker, hashed: str, queued_at: datetime) -> str:
    with sessions() as db:
        statuses = set(db.execute(
            select(SmsOutbound.status).where(
                SmsOutbound.recipient_hash == hashed, SmsOutbound.kind == store.DESK,
                SmsOutbound.created_at >= queued_at,
            )
        ).scalars())
    for status in (DROPPED, PENDING):
        if status in statuses:
            return status
    return SENT
