"""The reception desk's conversation with the assistant: staff type a resident's question, the
console sends it server-side to the Rasa server's REST channel and reads the reply as a turn in
which each knowledge answer brings its whole fiche, looked up in the knowledge base by the id its
`custom` payload names (the facts come from knowledge/fiches/, never from here).

Desk conversations are assisted, and marked so three ways: their sender ids start with
"accueil-" (the action server counts their turns as channel "accueil", bot/actions/review.py),
each message carries the metadata {"assisted": true} into the tracker, and the console logs one
line per message with the staff account, never the text.
"""

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp

from bot.knowledge import Fiche, KnowledgeBase
from bot.storage.review import DESK_SENDER_PREFIX

logger = logging.getLogger(__name__)

REST_WEBHOOK = "/webhooks/rest/webhook"
# The first answer after a model load can take a while; past this, the page says to retry.
TIMEOUT = aiohttp.ClientTimeout(total=60)
ASSISTED = {"assisted": True}


class AssistantUnavailable(Exception):
    """No Rasa server configured, or it could not be reached, or it answered with an error."""


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Reply:
    """One message of the bot; `fiche_id` for a knowledge answer, `fiche` None when the console's
    knowledge base does not have it (fiches changed since the console started)."""

    text: str = ""
    buttons: List[Button] = field(default_factory=list)
    fiche_id: Optional[str] = None
    fiche: Optional[Fiche] = None
    # The emergency reply to a danger message: its category (the page shows it as a banner).
    danger: Optional[str] = None


def new_sender() -> str:
    """A fresh conversation: random, so nothing in it points to the person."""
    return DESK_SENDER_PREFIX + secrets.token_hex(8)


async def ask(
    rasa_url: Optional[str], sender: str, text: str, account_id: int, territory: str
) -> List[Dict[str, Any]]:
    """The bot's messages for `text` in `territory`, as the REST channel returns them."""
    if not rasa_url:
        raise AssistantUnavailable("no Rasa server configured (CONSOLE_RASA_URL, --rasa-url)")
    logger.info("assisted conversation %s: desk message from staff account %d", sender, account_id)
    body = {"sender": sender, "message": text, "metadata": {**ASSISTED, "territory": territory}}
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.post(rasa_url.rstrip("/") + REST_WEBHOOK, json=body) as response,
        ):
            response.raise_for_status()
            return await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        logger.error("assisted conversation %s: the assistant did not answer: %r", sender, error)
        raise AssistantUnavailable(str(error)) from error


def read_turn(messages: List[Dict[str, Any]], kb: KnowledgeBase) -> List[Reply]:
    """The bot's messages as replies; a knowledge payload joins the text it follows."""
    replies: List[Reply] = []
    for message in messages:
        if message.get("text") or message.get("buttons"):
            replies.append(
                Reply(
                    text=message.get("text") or "",
                    buttons=[
                        Button(b["title"], b["payload"]) for b in message.get("buttons") or []
                    ],
                )
            )
        custom = message.get("custom") or {}
        danger = (custom.get("danger") or {}).get("category")
        if danger and replies:
            replies[-1].danger = danger
        fiche_id = custom.get("fiche")
        if fiche_id:
            if not replies or replies[-1].fiche_id is not None:
                replies.append(Reply())
            replies[-1].fiche_id, replies[-1].fiche = fiche_id, kb.fiche(fiche_id)
    return replies
