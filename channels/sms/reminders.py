"""The SMS transport of bot/reminders.py: a booking's reminder or "a place is yours" goes to the
phone given at booking, unless that number answered STOP.

It sends at once rather than through the SMS outbox: the booking outbox calls it inside its own
transaction (the SQLite write lock held), retries it when it raises, and needs it to finish
within the database's busy timeout, which the operator's send timeout guarantees.
"""

import logging
from typing import Callable, Optional

from sqlalchemy.orm import sessionmaker

from bot.gsm7 import to_sms_text
from bot.storage.booking_messages import Message
from channels.sms.config import SmsConfig
from channels.sms.operator import Operator
from channels.sms.privacy import log_id, number_hash
from channels.sms.replies import split_sms
from channels.sms.store import is_opted_out

logger = logging.getLogger(__name__)


def reminder_transport(
    db_factory: sessionmaker, config: Optional[SmsConfig] = None
) -> Callable[[Message, str], None]:
    """`bot.reminders.Transport` for the "sms" channel, with the channel's settings."""
    config = config or SmsConfig.load()
    operator = Operator(config)

    def send(message: Message, text: str) -> None:
        hashed = number_hash(config.hash_key, message.phone)
        with db_factory() as db:
            if is_opted_out(db, hashed):
                logger.info("%s for booking %s not sent: %s answered STOP",
                            message.kind, message.reference, log_id(hashed))
                return
        for body in split_sms([to_sms_text(text)]):
            operator.send(message.phone, body)
        logger.info("%s for booking %s sent by SMS", message.kind, message.reference)

    return send
