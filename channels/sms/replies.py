"""A bot turn as SMS: the fiche's short answer where a knowledge reply says which fiche it is,
buttons as one numbered line, GSM-7 only, cut at sentence boundaries into texts of at most two
segments each (an SMS is paid per segment; a third one costs more than it helps). An emergency
reply (its `custom` payload names a danger) goes alone, first, in one SMS: the number is the first
thing the phone shows. A local service (a text followed by a `local_service` payload) goes in an SMS
of its own, in its place: one place per SMS, never cut between two.
"""

from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from bot.gsm7 import split_sms, to_sms_text
from bot.knowledge import Fiche
from bot.offer.view import LOCAL_SERVICE_PAYLOAD
from channels.sms.texts import choices_menu


@dataclass(frozen=True)
class SmsTurn:
    bodies: List[str]
    # The payloads of the buttons offered, in order; empty when the turn offers none.
    choice_payloads: List[str]


def render_turn(
    messages: Iterable[Dict[str, Any]], find_fiche: Callable[[str], Optional[Fiche]]
) -> SmsTurn:
    """`messages` as Rasa's collecting output channel holds them (a knowledge answer is a text
    followed by a `custom` payload naming its fiche and aspect)."""
    texts: List[str] = []
    payloads: List[str] = []
    alone: List[str] = []
    packed: List[str] = []  # the SMS so far, when a text had to go on its own
    for message in messages:
        custom = message.get("custom") or {}
        fiche = find_fiche(custom["fiche"]) if "fiche" in custom else None
        if fiche and custom.get("aspect") == "overview" and texts:
            texts[-1] = fiche.sms
        if "danger" in custom and texts:
            alone.append(texts.pop())
        if LOCAL_SERVICE_PAYLOAD in custom and texts:
            own = texts.pop()
            packed += _pack(texts) + _pack([own])
            texts = []
        if message.get("text"):
            texts.append(message["text"])
        if message.get("buttons"):
            buttons = message["buttons"]
            texts.append(choices_menu([button["title"] for button in buttons]))
            payloads = [button["payload"] for button in buttons]
    first = [t for t in (to_sms_text(text) for text in alone) if t]
    return SmsTurn(bodies=first + packed + _pack(texts), choice_payloads=payloads)


def _pack(texts: List[str]) -> List[str]:
    return split_sms([t for t in (to_sms_text(text) for text in texts) if t])
