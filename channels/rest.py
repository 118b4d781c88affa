"""Rasa's REST channel (POST /webhooks/rest/webhook, name `rest`), with two additions:

- a failed custom action (action server down) is told to the resident in French instead of an
  empty answer (channels/action_failures.py);
- the conversation's channel is this one, whatever the body says (`input_channel` is ignored);
- messages are limited per conversation and per client address (channels/rate_limit.py);
- the body is checked before Rasa reads it: Rasa's channel calls `request.json.get(...)` outside
  its error handling, so a JSON array, a non-string sender or metadata that is not an object gave
  a 500; a sender with a NUL character made the tracker store's query fail (the connection was
  closed without an answer); a lone surrogate in the message made spaCy fail; and it took
  messages of any length into the NLU pipeline. Now such a request is a 400
  with a French message, as on the web channel.

Registered in credentials.yml as `channels.rest.RestInput`.
"""

import json
import re
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.texts import text
from channels.action_failures import watching
from channels.rate_limit import WebhookLimits

BODY_MAX_BYTES = 256_000
# Far beyond what a resident types (the forms answer "trop long" well before); a ~5 000-character
# message still gets its polite answer (tests/test_conversations.py).
MESSAGE_MAX_CHARS = 20_000
SENDER_MAX_CHARS = 128
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_IN_A_SENDER = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


class BadRequest(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _clean(text: str) -> str:
    """Lone surrogates (valid in JSON, not in UTF-8) become U+FFFD and NUL characters go, so
    that nothing downstream (spaCy, logs, PostgreSQL, Redis) fails on the text."""
    return LONE_SURROGATE.sub("\ufffd", text).replace("\x00", "")


def checked_body(body: Optional[bytes]) -> Dict[str, Any]:
    """The request's JSON object, as Rasa's REST channel expects it; BadRequest otherwise."""
    if body and len(body) > BODY_MAX_BYTES:
        raise BadRequest("trop_long", text("rest.too_long", limit=BODY_MAX_BYTES))
    try:
        data = json.loads((body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest("pas_json", text("rest.not_json")) from None
    if not isinstance(data, dict):
        raise BadRequest("pas_json", text("rest.not_an_object"))
    sender = data.get("sender")
    if sender is not None and (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > SENDER_MAX_CHARS
        or NOT_IN_A_SENDER.search(sender)
    ):
        raise BadRequest("sender_invalide", text("rest.bad_sender", limit=SENDER_MAX_CHARS))
    message = data.get("message")
    if not isinstance(message, str):
        raise BadRequest("message_invalide", text("rest.message_not_text"))
    if len(message) > MESSAGE_MAX_CHARS:
        raise BadRequest(
            "message_trop_long", text("rest.message_too_long", limit=MESSAGE_MAX_CHARS)
        )
    data["message"] = _clean(message)
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest("metadata_invalide", text("rest.metadata_not_object"))
    return data


class RestInput(RasaRestInput):
    def _extract_input_channel(self, request: Request) -> str:
        """Always `rest`: Rasa's channel takes the body's `input_channel`, so a REST caller could
        claim to be `sms` and have reminders texted to anyone's number."""
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = super().blueprint(watching(on_new_message))
        limits = WebhookLimits()

        @rest.middleware("request")
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or request.path.rstrip("/") != "/webhooks/rest/webhook":
                return None
            limited = limits.check_address(request)
            if limited:
                return limited
            try:
                request.parsed_json = checked_body(request.body)
            except BadRequest as error:
                return response.json({"error": error.code, "message": error.message}, status=400)
            return limits.check_sender(request.parsed_json.get("sender"))

        return rest
