"""Reminder sender: delivers the due outbox messages of café emploi bookings, then deletes the
personal data no longer needed (bot/storage/retention.py). `make run` starts it with the servers.

    python -m bot.reminders [--once] [--interval SECONDS]

The booking messages (bot/storage/booking_messages.py, a queue of the outbox engine) are of two
kinds: the reminder, the evening before
the session, and "a place is yours" for the first person on a waiting list. Each goes back on the
channel the person booked from, through that channel's transport:

- channels that cannot reach a person outside a conversation (the REST API, the web widget, the
  terminal) have no way to push: the message is only written to the log (kind, reference,
  channel; no name or phone) and its outbox row is marked sent, so it is not retried. Nobody
  receives it. README.md says so.
- `sms` is put in the SMS outbox (bot/transports/sms.py), unless the number answered STOP (then
  it is marked handled, unsent), and goes to the operator in the same round; an SMS the
  operator does not take stays in the SMS outbox and is retried, here or by the SMS channel.

Message texts are the responses `utter_booking_reminder` and `utter_waitlist_promoted` of
domain.yml, like everything a resident reads.
"""

import logging
import sys
from datetime import datetime
from functools import lru_cache
from typing import Callable, Dict, List, Optional

import yaml
from sqlalchemy.orm import sessionmaker

from bot.french_dates import format_when
from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.storage.booking_messages import BOOKING_MESSAGES, Message
from bot.storage.database import ROOT, make_engine, session_factory
from bot.storage.models import REMINDER, WAITLIST_PROMOTED, utc_now
from bot.storage.outbox import deliver
from bot.storage.retention import purge_personal_data
from bot.storage.sms import REMINDER as SMS_REMINDER
from bot.transports.sms import OptedOut, deliver_sms, queue_sms
from bot.transports.sms_config import SmsConfig
from bot.worker import run_rounds, worker_arguments

logger = logging.getLogger("bot.reminders")

DEFAULT_INTERVAL_SECONDS = 60
RESPONSES = {REMINDER: "utter_booking_reminder", WAITLIST_PROMOTED: "utter_waitlist_promoted"}
# Channels that answer a request but cannot start a conversation with a person (the web widget
# included: without it, a web booking's reminder was retried every few hours until the session).
NO_PUSH_CHANNELS = ("rest", "web", "socketio", "cmdline")

Transport = Callable[[Message, str], None]


@lru_cache(maxsize=1)
def _templates() -> Dict[str, str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {kind: domain["responses"][name][0]["text"] for kind, name in RESPONSES.items()}


def render(message: Message) -> str:
    """The message's text, in French, from its domain.yml response."""
    return _templates()[message.kind].format(
        first_name=message.first_name,
        when=format_when(message.session_starts_at),
        centre_name=message.centre_name,
        centre_address=message.centre_address,
        reference=message.reference,
    )


def log_only(message: Message, text: str) -> None:
    """For channels that cannot push: say in the log that the message was due; deliver nothing."""
    logger.warning(
        "%s for booking %s not delivered: channel '%s' cannot push (%d characters)",
        message.kind,
        message.reference,
        message.channel,
        len(text),
    )


@lru_cache(maxsize=1)
def _knowledge() -> KnowledgeBase:
    return load_knowledge_base()


def territory_sms_number(territory: str) -> Optional[str]:
    """The number the booking's territory texts from (the one its residents write to)."""
    served = _knowledge().territories.get(territory)
    return served.sms_number if served else None


def sms_transport(db_factory: sessionmaker, config: SmsConfig) -> Transport:
    """Queue the message as SMS to the phone given at booking (the phone writing, for a booking
    made by SMS: bot/actions/booking.py), from its territory's number; not after a STOP."""

    def send(message: Message, text: str) -> None:
        with db_factory() as db:
            try:
                queue_sms(
                    db,
                    config,
                    message.phone,
                    text,
                    SMS_REMINDER,
                    utc_now(),
                    territory_sms_number(message.territory),
                )
            except OptedOut as stopped:
                logger.info(
                    "%s for booking %s not sent: %s answered STOP",
                    message.kind,
                    message.reference,
                    stopped,
                )
                return
        logger.info("%s for booking %s queued as SMS", message.kind, message.reference)

    return send


# The transport of each channel that has one; `main` adds "sms", which needs the database.
TRANSPORTS: Dict[str, Transport] = dict.fromkeys(NO_PUSH_CHANNELS, log_only)


def rendered(by_channel: Dict[str, Transport]) -> Dict[str, Callable[[Message], None]]:
    """The outbox engine's transports: each renders the message, then hands it to its channel's.
    A channel without one leaves its messages waiting (retried, then given up)."""

    def send_with(transport: Transport) -> Callable[[Message], None]:
        return lambda message: transport(message, render(message))

    return {channel: send_with(transport) for channel, transport in by_channel.items()}


def run_once(
    db_factory: sessionmaker,
    transports: Dict[str, Callable[[Message], None]],
    now: Optional[datetime] = None,
) -> Dict[str, int]:
    """One round: deliver what is due, then purge; how many of each."""
    now = now or utc_now()
    sent = deliver(db_factory, BOOKING_MESSAGES, transports, now)
    with db_factory() as db:
        purged = purge_personal_data(db, now)
    return {"sent": sent, "purged": purged}


def main(argv: List[str]) -> int:
    arguments = worker_arguments(
        "Deliver due café emploi messages.", "REMINDER_INTERVAL", DEFAULT_INTERVAL_SECONDS, argv
    )
    engine = make_engine()
    sms = SmsConfig.load()
    transports = rendered({**TRANSPORTS, "sms": sms_transport(session_factory(engine), sms)})

    def one_round() -> None:
        counts = run_once(session_factory(engine), transports)
        counts["sms"] = deliver_sms(session_factory(engine), sms)
        if any(counts.values()):
            logger.info(
                "%(sent)d message(s) handled, %(sms)d SMS sent, %(purged)d booking(s) purged",
                counts,
            )

    try:
        return run_rounds(one_round, arguments, logger, database_name="booking database")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
