"""What the widget's endpoints accept: checked here, so that bad input is a clear 400 in French
(shown to whoever integrates the widget), never a traceback, and nothing oversized is stored."""

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from bot.texts import text
from channels.inputs import BadInput, clean_text, read_json_object
from channels.territories import TERRITORY_KEY, checked_territory

BODY_MAX_BYTES = 16_000
MESSAGE_MAX_CHARS = 1_000
BOT_TEXT_MAX_CHARS = 5_000
SENDER = re.compile(r"[A-Za-z0-9_-]{8,64}")
FICHE = re.compile(r"[a-z0-9-]{1,60}")


@dataclass(frozen=True)
class MessageInput:
    sender: str
    text: str
    territory: str


@dataclass(frozen=True)
class FeedbackInput:
    sender: str
    territory: str
    useful: bool
    bot_text: str
    fiche: Optional[str]
    user_text: Optional[str]


def read_json(body: Optional[bytes], content_type: Optional[str]) -> Dict[str, Any]:
    """The body as a JSON object, sent as JSON."""
    if body and len(body) > BODY_MAX_BYTES:
        raise BadInput("trop_long", text("inputs.too_long", limit=BODY_MAX_BYTES))
    if not (content_type or "").lower().startswith("application/json"):
        raise BadInput("pas_json", text("web_api.not_json_content"))
    return read_json_object(body, BODY_MAX_BYTES, '{"sender": …}')


def _sender(data: Dict[str, Any]) -> str:
    sender = data.get("sender")
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        raise BadInput("sender_invalide", text("web_api.bad_sender"))
    return sender


def _text(data: Dict[str, Any], field: str, limit: int, required: bool) -> Optional[str]:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{field}_vide", text("web_api.field_empty", field=field))
    if len(value) > limit:
        raise BadInput(
            f"{field}_trop_long", text("web_api.field_too_long", field=field, limit=limit)
        )
    return clean_text(value.strip())


def message_input(data: Dict[str, Any]) -> MessageInput:
    """{sender, message, territory?}: the resident's message, on the page of a territory."""
    return MessageInput(
        _sender(data),
        _text(data, "message", MESSAGE_MAX_CHARS, required=True),
        checked_territory(data.get(TERRITORY_KEY)),
    )


def feedback_input(data: Dict[str, Any]) -> FeedbackInput:
    """{sender, territory?, useful, bot_text, fiche?, user_text?}: a resident's opinion of one
    answer."""
    useful = data.get("useful")
    if not isinstance(useful, bool):
        raise BadInput("useful_invalide", text("web_api.useful_not_boolean"))
    fiche = data.get("fiche")
    if fiche is not None and (not isinstance(fiche, str) or not FICHE.fullmatch(fiche)):
        raise BadInput("fiche_invalide", text("web_api.bad_fiche"))
    return FeedbackInput(
        sender=_sender(data),
        territory=checked_territory(data.get(TERRITORY_KEY)),
        useful=useful,
        bot_text=_text(data, "bot_text", BOT_TEXT_MAX_CHARS, required=True),
        fiche=fiche,
        user_text=_text(data, "user_text", MESSAGE_MAX_CHARS, required=False),
    )
