"""Text as people type it, reduced for comparison: "C'est quoi le CEJ ?!" and "c est quoi le
cej" are the same words."""

import re
import unicodedata


def folded(text: str) -> str:
    """Lower case, accents stripped, the typographic apostrophe made plain; punctuation kept."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def plain(text: str, keep: str = "") -> str:
    """`folded`, then every run of punctuation or spaces one space (but the characters of
    `keep`, such as the apostrophe and the hyphen of "aujourd'hui" and "Saint-Denis")."""
    return " ".join(re.sub(rf"[^\w{re.escape(keep)}]+|_+", " ", folded(text)).split())
