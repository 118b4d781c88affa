"""Which territory a message belongs to. Each channel decides it from what it knows (the
widget's embed tag, the number an SMS was sent to, a REST request's metadata), checks it, and
passes it on in the message's metadata (`territory`), where the actions read it
(bot/actions/context.py). A name the deployment does not serve is refused, never guessed."""

from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot.knowledge import load_knowledge_base, served_territories
from bot.texts import text
from channels.inputs import BadInput

TERRITORY_KEY = "territory"


@lru_cache(maxsize=1)
def served() -> List[str]:
    """The deployment's territory ids, the default first (read once per process)."""
    return served_territories()


def checked_territory(value: Any) -> str:
    """The territory a request names (None: the default one); BadInput if not served."""
    if value is None:
        return served()[0]
    if not isinstance(value, str) or value not in served():
        raise BadInput("territoire_inconnu", text("inputs.unknown_territory"))
    return value


def with_territory(metadata: Optional[Dict[str, Any]], territory: str) -> Dict[str, Any]:
    """The message's metadata, saying its territory."""
    return {**(metadata or {}), TERRITORY_KEY: territory}


@lru_cache(maxsize=1)
def _sms_numbers() -> Dict[str, str]:
    territories = load_knowledge_base().territories.items()
    return {t.sms_number: territory_id for territory_id, t in territories if t.sms_number}


def territory_of_sms_number(number: str) -> str:
    """The territory whose residents text `number` (E.164); the default one if none says so
    (a deployment with one number need not write it in its territory file)."""
    return _sms_numbers().get(number, served()[0])
