"""The SMS channel: Rasa input channel for Twilio's incoming-message webhook.

POST /webhooks/sms/webhook, form-encoded as Twilio sends it (From, To, Body, MessageSid,
NumMedia). An SMS belongs to the territory of the number it was sent to (`To`, the territory
file's `sms_number`; the default territory for another), and the replies go from that number.
Unlike Rasa's own Twilio connector, the `X-Twilio-Signature` is checked (against the URL Twilio
called, `SMS_PUBLIC_URL` behind a proxy) before anything is read. The operator gets an empty
TwiML answer at once; the message is handled in the background and the replies go through the
SMS outbox (bot/storage/sms.py, sent by bot/transports/sms.py), so a slow bot or a down operator
never holds the webhook and no reply is lost. A custom action that fails (action server down)
adds the French notice of channels/action_failures.py to the turn, sent as any reply.
"""

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any, Awaitable, Callable, List, Optional, Set
from urllib.parse import parse_qs

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request, RequestParameters
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.gsm7 import split_sms, to_sms_text
from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.storage.database import in_worker_thread, migrated_sessions
from bot.storage.models import utc_now
from bot.storage.phone import log_id, number_hash
from bot.storage.sms import NOTICE, REPLY
from bot.texts import text
from bot.transports.sms import Operator, deliver_sms
from bot.transports.sms_config import SmsConfig
from channels.action_failures import answer_watched
from channels.sms import store
from channels.sms.keywords import EMPTY, HELP, TEXT, choice_number, classify
from channels.sms.replies import render_turn
from channels.territories import territory_of_sms_number, with_territory

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{5,14}$")
# Twilio's message ids, exactly: "SM" (or "MM" for a picture message) and 32 hex digits. A looser
# pattern let a captured signed request be replayed under a new id.
MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
EMPTY_TWIML = str(MessagingResponse())


@dataclass(frozen=True)
class Inbound:
    """A received SMS, as the background handling needs it."""

    number: str  # E.164, the resident's
    hashed: str  # its keyed hash: the conversation's sender id
    sid: str
    body: str
    reply_from: Optional[str]  # the number written to, which the replies go from
    territory: str


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return load_knowledge_base()


def _sms(key: str) -> List[str]:
    """One of the channel's own texts (bot/texts.yml), as SMS."""
    return split_sms([to_sms_text(text(key))])


def _form(request: Request) -> RequestParameters:
    """The form fields, blank ones included: Twilio signs `Body=` of a photo without text, which
    Sanic's own `request.form` drops."""
    if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
        return RequestParameters()
    return RequestParameters(
        parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
    )


class SmsInput(InputChannel):
    """Residents writing to the assistant's phone number."""

    @classmethod
    def name(cls) -> str:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "SmsInput":
        return cls(SmsConfig.from_sources(credentials))

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        self.validator = RequestValidator(config.auth_token)
        self.operator = Operator(config)
        self.window = timedelta(minutes=config.rate_limit_minutes)
        self._delivery_lock = asyncio.Lock()
        self._tasks: Set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sms_webhook", __name__)

        @webhook.listener("after_server_start")
        async def start_retrying(app, loop) -> None:
            self._spawn(self._retry_forever())

        @webhook.listener("before_server_stop")
        async def stop_tasks(app, loop) -> None:
            for task in list(self._tasks):
                task.cancel()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return webhook

    async def _receive(self, request: Request, on_new_message) -> HTTPResponse:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            logger.warning("SMS webhook refused: no X-Twilio-Signature header")
            return response.text("Forbidden: missing X-Twilio-Signature", status=403)
        url = self.config.webhook_url(request.url)
        form = _form(request)
        if not self.validator.validate(url, form, signature):
            logger.warning("SMS webhook refused: X-Twilio-Signature does not match %s", url)
            return response.text("Forbidden: invalid X-Twilio-Signature", status=403)

        number = (form.get("From") or "").strip()
        message_sid = (form.get("MessageSid") or "").strip()
        if not E164.match(number) or not MESSAGE_SID.match(message_sid):
            return response.text(
                "Bad request: a From number (E.164) and a MessageSid are required", status=400
            )
        body = form.get("Body") or ""
        written_to = (form.get("To") or "").strip()
        reply_from = written_to if E164.match(written_to) else None
        territory = territory_of_sms_number(written_to)
        hashed = number_hash(self.config.hash_key, number)
        keyword = classify(body)
        try:
            outcome = await self._in_database(
                lambda db: store.record_inbound(
                    db,
                    message_sid,
                    hashed,
                    keyword,
                    utc_now(),
                    self.config.rate_limit_messages,
                    self.window,
                    number=number,
                    confirmations={
                        store.OPT_OUT: _sms("sms.opted_out"),
                        store.OPT_IN: _sms("sms.opted_in"),
                    },
                    from_number=reply_from,
                )
            )
        except SQLAlchemyError as error:
            logger.error("SMS %s not recorded, database unavailable: %s", message_sid, error)
            return response.text("Service unavailable", status=503)
        if outcome is None:
            logger.info("SMS %s from %s already received: ignored", message_sid, log_id(hashed))
        else:
            logger.info("SMS %s from %s: %s", message_sid, log_id(hashed), outcome)
            sms = Inbound(number, hashed, message_sid, body, reply_from, territory)
            self._spawn(self._handle(sms, keyword, outcome, on_new_message))
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def _handle(self, sms: "Inbound", keyword, outcome, on_new_message) -> None:
        """What the message asks for, queued as SMS, then delivered."""
        now = utc_now()
        try:
            if outcome in (store.OPT_OUT, store.OPT_IN):
                pass  # done, confirmation queued, with the record: only the delivery is left
            elif outcome == store.THROTTLE_NOTICE:
                await self._send_text(sms, "sms.rate_limited", NOTICE, now)
            elif outcome == store.ACCEPTED and keyword == HELP:
                await self._send_text(sms, "sms.help", REPLY, now)
            elif outcome == store.ACCEPTED and keyword == EMPTY:
                await self._send_text(sms, "sms.media_only", REPLY, now)
            elif outcome == store.ACCEPTED and keyword == TEXT:
                await self._ask_bot(sms, on_new_message)
            else:  # throttled, or opted out: silence
                return
            await self.deliver()
        except Exception:
            logger.exception("SMS %s from %s could not be handled", sms.sid, log_id(sms.hashed))

    async def _send_text(self, sms: "Inbound", key: str, kind: str, now) -> None:
        await self._in_database(
            store.send_later, sms.hashed, sms.number, _sms(key), kind, now, sms.reply_from
        )

    async def _ask_bot(self, sms: "Inbound", on_new_message) -> None:
        """The bot's answer to the SMS (a numbered reply standing for the button it names)."""
        text = sms.body
        chosen = choice_number(sms.body)
        if chosen is not None:
            text = await self._in_database(store.choice_payload, sms.hashed, chosen) or sms.body
        collector = CollectingOutputChannel()
        # The notice of a failed action lands in `collector`: GSM-7 and split like the answer.
        await answer_watched(
            on_new_message,
            UserMessage(
                text,
                collector,
                sender_id=sms.hashed,
                input_channel=self.name(),
                message_id=sms.sid,
                metadata=with_territory(None, sms.territory),
            ),
        )
        turn = render_turn(collector.messages, knowledge_base().fiche)
        await self._in_database(
            store.save_reply,
            sms.hashed,
            sms.number,
            turn.bodies,
            turn.choice_payloads,
            utc_now(),
            sms.reply_from,
        )

    async def deliver(self) -> int:
        """Send what is due in the outbox, one round at a time in this process."""
        async with self._delivery_lock:
            return await asyncio.to_thread(
                lambda: deliver_sms(migrated_sessions(), self.config, self.operator)
            )

    async def _retry_forever(self) -> None:
        """What could not be sent is retried every `retry_interval`; old records are purged."""
        while True:
            await asyncio.sleep(self.config.retry_interval)
            try:
                await self.deliver()
                await self._in_database(store.purge, utc_now(), self.window)
            except SQLAlchemyError as error:
                logger.error("SMS outbox: database unavailable, retrying later: %s", error)

    async def _in_database(self, work: Callable[..., Any], *args) -> Any:
        return await in_worker_thread(lambda db: work(db, *args))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
