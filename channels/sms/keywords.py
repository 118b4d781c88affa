"""What an incoming SMS asks of the channel itself, before the bot sees it: the operator
keywords (STOP, START, AIDE), a numbered choice, or nothing readable."""

import re
import unicodedata
from typing import Optional

STOP = "stop"
START = "start"
HELP = "help"
EMPTY = "empty"
TEXT = "text"

KEYWORDS = {"STOP": STOP, "ARRET": STOP, "START": START, "AIDE": HELP}
CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def _folded(body: str) -> str:
    """Upper case, accents and surrounding punctuation removed: "Arrêt." → "ARRET"."""
    decomposed = unicodedata.normalize("NFKD", body.strip().upper())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.strip(" .!")


def classify(body: str) -> str:
    if not body.strip():
        return EMPTY
    return KEYWORDS.get(_folded(body), TEXT)


def choice_number(body: str) -> Optional[int]:
    """ "2", " 2 ", "2." → 2; anything else → None."""
    match = CHOICE.match(body)
    return int(match.group(1)) if match else None
