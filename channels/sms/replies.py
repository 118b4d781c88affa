"""A bot turn as SMS: the fiche's short answer where a knowledge reply says which fiche it is,
buttons as one numbered line, GSM-7 only, cut at sentence boundaries into texts of at most two
segments each (an SMS is paid per segment; a third one costs more than it helps). An emergency
reply (its `custom` payload names a danger) goes alone, first, in one SMS: the number is the first
thing the phone shows.
"""

import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional

from bot.gsm7 import CONCATENATED_SEGMENT_SEPTETS, GSM7_EXTENSION, septets, to_sms_text
from bot.knowledge import Fiche
from channels.sms.texts import choices_menu

MAX_SEGMENTS = 2
MAX_SEPTETS = MAX_SEGMENTS * CONCATENATED_SEGMENT_SEPTETS
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


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
    for message in messages:
        custom = message.get("custom") or {}
        fiche = find_fiche(custom["fiche"]) if "fiche" in custom else None
        if fiche and custom.get("aspect") == "overview" and texts:
            texts[-1] = fiche.sms
        if "danger" in custom and texts:
            alone.append(texts.pop())
        if message.get("text"):
            texts.append(message["text"])
        if message.get("buttons"):
            buttons = message["buttons"]
            texts.append(choices_menu([button["title"] for button in buttons]))
            payloads = [button["payload"] for button in buttons]
    first = [t for t in (to_sms_text(text) for text in alone) if t]
    sms_texts = [t for t in (to_sms_text(text) for text in texts) if t]
    return SmsTurn(bodies=first + split_sms(sms_texts), choice_payloads=payloads)


def split_sms(texts: List[str], limit: int = MAX_SEPTETS) -> List[str]:
    """GSM-7 `texts` packed into as few SMS as fit `limit` septets, each text whole if it can be,
    else cut between sentences, then words."""
    return _pack([piece for text in texts for piece in _split(text, limit)], "\n", limit)


def _split(text: str, limit: int) -> List[str]:
    if septets(text) <= limit:
        return [text]
    for boundary, joiner in ((SENTENCE_END, " "), (re.compile(" +"), " ")):
        parts = [p for p in boundary.split(text) if p]
        if len(parts) > 1:
            return _pack([piece for part in parts for piece in _split(part, limit)], joiner, limit)
    return _cut(text, limit)


def _pack(pieces: List[str], joiner: str, limit: int) -> List[str]:
    chunks: List[str] = []
    for piece in pieces:
        if chunks and septets(chunks[-1] + joiner + piece) <= limit:
            chunks[-1] += joiner + piece
        else:
            chunks.append(piece)
    return chunks


def _cut(word: str, limit: int) -> List[str]:
    """A word longer than an SMS (a long link): cut where it must be."""
    chunks, current, used = [], "", 0
    for character in word:
        size = 2 if character in GSM7_EXTENSION else 1
        if used + size > limit:
            chunks.append(current)
            current, used = "", 0
        current += character
        used += size
    return chunks + [current]
