"""The one "cannot answer now" notice, said by every channel when a part of the assistant is
down and by the console's desk: the catalogue's words (bot/texts.yml, `failures`) with the phone
of the conversation's territory's reception, so that someone who needs help has a number."""

import functools
import logging
from typing import Optional

from bot.knowledge.loader import load_territory_file, territory_path
from bot.texts import text

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=16)
def _reception_phone(territory: Optional[str]) -> Optional[str]:
    try:
        return load_territory_file(territory_path(territory=territory)).reception.phone
    except Exception:  # a broken territory file must not stop a channel: the notice says less
        logger.exception("no reception phone for the unavailable notice (territory file)")
        return None


def unavailable_text(territory: Optional[str] = None) -> str:
    """The notice, with the phone of the territory's reception (None: the default territory)
    when its file gives it."""
    phone = _reception_phone(territory)
    notice = text("failures.unavailable")
    return f"{notice} {text('failures.urgent_call', phone=phone)}" if phone else notice
