"""What residents type during a booking, read into values: a first name, a phone number, a
booking reference, a yes or a no. Messages come as people write them ("moi c'est awa",
"mon num c 06 12 34 56 78", "ce 7k3p", "nan"); nothing here knows about Rasa.
"""

import re
import unicodedata
from typing import Optional

from bot.plain_text import folded
from bot.storage.phone import PHONE_LIKE, InvalidPhone, normalise_french_phone
from bot.storage.references import BOOKING

FIRST_NAME_MAX_WORDS = 3
FIRST_NAME_MAX_LENGTH = 40

# "je m'appelle Awa", "moi c Yanis", "c'est pour Fatou": the words before the name.
_NAME_INTRO = re.compile(
    r"^(?:(?:bonjour|bjr|slt|salut|oui|ok)[\s,!.]+)?"
    r"(?:je\s+m'?\s*appel+e?s?|jm'?\s*appel+e?s?|moi\s+c'?\s*(?:est)?|c'?\s*est\s+pour|"
    r"c'?est|(?:(?:le|mon|son)\s+)?pr[ée]nom\s*(?:c'?\s*est|est|:)?|elle\s+s'?\s*appel+e?|"
    r"il\s+s'?\s*appel+e?)\s+",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[^\W\d_]+(?:['’ -][^\W\d_]+)*$")
# Words that are not first names: a sentence was typed instead of a name.
_NOT_NAMES = {
    "je",
    "j",
    "tu",
    "il",
    "elle",
    "on",
    "nous",
    "vous",
    "moi",
    "le",
    "la",
    "les",
    "un",
    "une",
    "de",
    "des",
    "du",
    "pour",
    "pas",
    "plus",
    "veux",
    "peux",
    "suis",
    "est",
    "c",
    "oui",
    "non",
    "ok",
    "merci",
    "bonjour",
    "stop",
    "rien",
    "quoi",
    "comment",
    "pourquoi",
    "cafe",
    "emploi",
    "inscription",
    "inscrire",
    "annuler",
    "annule",
    "changer",
    "date",
    "numero",
    "telephone",
    "laisse",
    "tomber",
    "arrete",
    "tout",
}

_YES = {
    "oui",
    "ouais",
    "ouai",
    "wi",
    "ui",
    "yes",
    "ok",
    "okay",
    "oki",
    "dac",
    "d'accord",
    "daccord",
    "d accord",
    "bien sur",
    "oui oui",
    "ouiii",
    "vas y",
    "go",
}
_NO = {"non", "no", "nn", "nan", "nope", "non non", "pas d'accord", "jamais"}


class NotAFirstName(ValueError):
    """The text does not read as a first name."""


def read_first_name(text: str) -> str:
    """ "moi c'est awa" → "Awa"; a sentence, digits or symbols → NotAFirstName."""
    without_symbols = "".join(c for c in text if not unicodedata.category(c).startswith("S"))
    name = _NAME_INTRO.sub("", " ".join(without_symbols.split())).strip(" .,!?")
    words = re.split(r"[\s'’-]+", folded(name))
    if (
        not _NAME.match(name)
        or len(name) > FIRST_NAME_MAX_LENGTH
        or len(name.split()) > FIRST_NAME_MAX_WORDS
        or any(word in _NOT_NAMES for word in words)
    ):
        raise NotAFirstName(text)
    if name.islower() or name.isupper():
        name = re.sub(r"[^\W\d_]+", lambda word: word.group().capitalize(), name)
    return name


def find_phone(text: str) -> str:
    """The French phone number in a message, in E.164 ("+33612345678"); else InvalidPhone."""
    for candidate in PHONE_LIKE.findall(text):
        try:
            return normalise_french_phone(candidate.strip())
        except InvalidPhone:
            continue
    raise InvalidPhone(text)


def find_reference(text: str) -> Optional[str]:
    """ "CE-7K3P-9QX2", "ce 7k3p 9qx2", or a message that is just "7K3P9QX2"; else None."""
    return BOOKING.find(text, bare=True)


def read_yes_no(text: str) -> Optional[bool]:
    """A yes or a no, bare or first ("oui", "nan", "oui ça me va", "non merci"), for when the
    intent classifier hesitates; None for anything else ("oui mais non" included)."""
    words = re.findall(r"[a-z']+", folded(text))
    plain = " ".join(words)
    if plain in _YES or plain in _NO:
        return plain in _YES
    first = words[0] if words else ""
    yes, no = first in _YES and not set(words) & _NO, first in _NO and not set(words) & _YES
    return True if yes else False if no else None
