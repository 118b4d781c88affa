"""GSM-7 text for SMS: transliteration, length in septets, and cutting into SMS.

A single character outside the GSM-7 alphabet (’, œ, ê, an emoji…) switches an SMS to UCS-2 and
cuts a segment from 160 to 70 characters, so SMS text is transliterated before it is counted or
sent.
"""

import re
from typing import List

from bot.texts import text

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: each is sent as an escape plus the character (2 septets).
GSM7_EXTENSION = set("€[]{}\\~^|\f")

_TRANSLITERATION = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "…": "...",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\t": " ",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
        "ÿ": "y",
        "ç": "c",
        "œ": "oe",
        "Œ": "OE",
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "À": "A",
        "Â": "A",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Ù": "U",
        "Û": "U",
        "•": "-",
        "→": "->",
    }
)


def to_gsm7(text: str) -> str:
    """Transliterate French text to the GSM-7 alphabet, dropping what has no equivalent."""
    transliterated = text.translate(_TRANSLITERATION)
    return "".join(c for c in transliterated if c in GSM7_BASIC or c in GSM7_EXTENSION)


def unsupported_characters(text: str) -> set:
    """Characters that transliteration would drop (so the writer can fix the text)."""
    transliterated = text.translate(_TRANSLITERATION)
    return {c for c in transliterated if c not in GSM7_BASIC and c not in GSM7_EXTENSION}


def septets(text: str) -> int:
    """Length of GSM-7 text in septets (extension characters count twice)."""
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


# A lone SMS holds 160 septets; parts of a concatenated one 153 (the rest is the joining header).
SINGLE_SEGMENT_SEPTETS = 160
CONCATENATED_SEGMENT_SEPTETS = 153
_SPACES = re.compile(r"[ ]{2,}")


def to_sms_text(text: str) -> str:
    """`to_gsm7`, then the spaces left where emoji or symbols were dropped are closed up."""
    lines = (_SPACES.sub(" ", line).strip() for line in to_gsm7(text).split("\n"))
    return "\n".join(line for line in lines if line)


def segments(text: str) -> int:
    """How many SMS segments GSM-7 `text` takes; an escape pair is never split across two."""
    if septets(text) <= SINGLE_SEGMENT_SEPTETS:
        return 1
    count, used = 1, 0
    for character in text:
        size = 2 if character in GSM7_EXTENSION else 1
        if used + size > CONCATENATED_SEGMENT_SEPTETS:
            count, used = count + 1, 0
        used += size
    return count


# An SMS is paid per segment: a text goes in SMS of at most two (a third costs more than it helps).
MAX_SEGMENTS = 2
MAX_SEPTETS = MAX_SEGMENTS * CONCATENATED_SEGMENT_SEPTETS
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


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


def choices_menu(titles: List[str]) -> str:
    """ "Répondez 1, 2 ou 3 : 1 = A, 2 = B, 3 = C" for the buttons `titles` (the words come from
    bot/texts.yml): how the SMS channel offers buttons, and how an action measures a turn."""
    numbers = [str(n) for n in range(1, len(titles) + 1)]
    spoken = (
        numbers[0]
        if len(numbers) == 1
        else (f"{', '.join(numbers[:-1])} {text('sms.choices_or')} {numbers[-1]}")
    )
    options = ", ".join(f"{n} = {title}" for n, title in zip(numbers, titles))
    return text("sms.choices", numbers=spoken, options=options)
