"""GSM-7 text for SMS: transliteration and length in septets.

A single character outside the GSM-7 alphabet (’, œ, ê, an emoji…) switches an SMS to UCS-2 and
cuts a segment from 160 to 70 characters, so SMS text is transliterated before it is counted or sent.
"""

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: each is sent as an escape plus the character (2 septets).
GSM7_EXTENSION = set("€[]{}\\~^|\f")

_TRANSLITERATION = str.maketrans(
    {
        "’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "«": '"', "»": '"',
        "…": "...", "–": "-", "—": "-", "\u00a0": " ", "\u202f": " ", "\t": " ",
        "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y",
        "ç": "c", "œ": "oe", "Œ": "OE", "á": "a", "í": "i", "ó": "o", "ú": "u",
        "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O",
        "Ù": "U", "Û": "U",
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
