"""SMS through the operator: Twilio's Messages API through twilio's own client, synchronous, with
a timeout (callers run it in a worker thread; its base URL is configurable so that the tests talk
to a local imitation of Twilio), and the two ways every process sends an SMS:

- `queue_sms` writes it in the SMS outbox (bot/storage/sms.py), unless the number answered STOP;
- `deliver_sms` runs one delivery round of that outbox (the SMS channel after each message and
  every `retry_interval`, the reminder sender after its round, the desk right away).
"""

import logging
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.gsm7 import split_sms, to_sms_text
from bot.storage.database import transaction
from bot.storage.outbox import Undeliverable, deliver
from bot.storage.phone import log_id, number_hash
from bot.storage.sms import TRANSPORT, Sms, SmsQueue, enqueue, is_opted_out
from bot.transports.sms_config import SmsConfig

logger = logging.getLogger(__name__)


class Rejected(Undeliverable):
    """The operator refused this SMS for good (a bad number, say): retrying will not help."""


class OptedOut(Exception):
    """The number answered STOP to the assistant: nothing is sent to it."""


class Operator:
    def __init__(self, config: SmsConfig) -> None:
        self.from_number = config.from_number
        self.client = Client(
            config.account_sid,
            config.auth_token,
            http_client=TwilioHttpClient(timeout=config.send_timeout),
        )
        self.client.api.base_url = config.api_base

    def send(self, to: str, body: str, from_number: Optional[str] = None) -> str:
        """Hand one SMS to the operator, from `from_number` (default: the configured one); its
        message id. Raises Rejected for a permanent refusal, anything else for a failure worth
        retrying (timeout, operator down, 429, 5xx)."""
        sender = from_number or self.from_number
        try:
            return self.client.messages.create(to=to, from_=sender, body=body).sid
        except TwilioRestException as error:
            if 400 <= error.status < 500 and error.status != 429:
                raise Rejected(f"{error.status} {error.code}: {error.msg}") from error
            raise

    def __call__(self, sms: Sms) -> str:
        """The outbox engine's transport."""
        return self.send(sms.to_number, sms.body, sms.from_number)


def queue_sms(
    db: Session,
    config: SmsConfig,
    number: str,
    text: str,
    kind: str,
    now: datetime,
    from_number: Optional[str] = None,
) -> str:
    """Put `text` (GSM-7, cut into SMS of at most two segments) in the outbox for `number`, from
    the territory's `from_number` (None: the configured one), in its own transaction; the
    number's hash. OptedOut, and nothing queued, after a STOP."""
    hashed = number_hash(config.hash_key, number)
    with transaction(db):
        if is_opted_out(db, hashed):
            raise OptedOut(log_id(hashed))
        enqueue(db, hashed, number, split_sms([to_sms_text(text)]), kind, now, from_number)
    return hashed


def deliver_sms(
    db_factory: sessionmaker, config: SmsConfig, operator: Optional[Operator] = None
) -> int:
    """One delivery round of the SMS outbox; how many SMS the operator took."""
    queue = SmsQueue(
        first_retry=timedelta(seconds=config.retry_interval),
        send_timeout=timedelta(seconds=config.send_timeout),
    )
    return deliver(db_factory, queue, {TRANSPORT: operator or Operator(config)})
