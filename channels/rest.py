"""Rasa's REST channel (POST /webhooks/rest/webhook, name `rest`), with two additions:

- a failed custom action (action server down) is told to the resident in French instead of an
  empty answer (channels/action_failures.py);
- the conversation's channel is this one, whatever the body says (`input_channel` is ignored);
- messages are limited per conversation and per client address (channels/rate_limit.py);
- a message belongs to the territory its `metadata.territory` names, the default one if none;
  a territory the deployment does not serve is a 400 (channels/territories.py);
- the body is checked before Rasa reads it: Rasa's channel calls `request.json.get(...)` outside
  its error handling, so a JSON array, a non-string sender or metadata that is not an object gave
  a 500; a sender with a NUL character made the tracker store's query fail (the connection was
  closed without an answer); a lone surrogate in the message made spaCy fail; and it took
  messages of any length into the NLU pipeline. Now such a request is a 400
  with a French message, as on the web channel.

Registered in credentials.yml as `channels.rest.RestInput`.
"""

import re
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.texts import text
from channels.action_failures import watching
from channels.inputs import BadInput, clean_text, read_json_object
from channels.rate_limit import WebhookLimits
from channels.territories import TERRITORY_KEY, checked_territory, with_territory

BODY_MAX_BYTES = 256_000
# Far beyond what a resident types (the forms answer "trop long" well before); a ~5 000-character
# message still gets its polite answer (tests/test_conversations.py).
MESSAGE_MAX_CHARS = 20_000
SENDER_MAX_CHARS = 128
NOT_IN_A_SENDER = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def checked_body(body: Optional[bytes]) -> Dict[str, Any]:
    """The request's JSON object, as Rasa's REST channel expects it; BadInput otherwise."""
    data = read_json_object(body, BODY_MAX_BYTES, '{"sender": …, "message": …}')
    sender = data.get("sender")
    if sender is not None and (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > SENDER_MAX_CHARS
        or NOT_IN_A_SENDER.search(sender)
    ):
        raise BadInput("sender_invalide", text("rest.bad_sender", limit=SENDER_MAX_CHARS))
    message = data.get("message")
    if not isinstance(message, str):
        raise BadInput("message_invalide", text("rest.message_not_text"))
    if len(message) > MESSAGE_MAX_CHARS:
        raise BadInput("message_trop_long", text("rest.message_too_long", limit=MESSAGE_MAX_CHARS))
    data["message"] = clean_text(message)
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadInput("metadata_invalide", text("rest.metadata_not_object"))
    territory = checked_territory((metadata or {}).get(TERRITORY_KEY))
    data["metadata"] = with_territory(metadata, territory)
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
            except BadInput as error:
                return response.json(error.as_json(), status=400)
            return limits.check_sender(request.parsed_json.get("sender"))

        return rest
