"""Text as people type it, reduced for comparison: "C'est quoi le CEJ ?!" and "c est quoi le
cej" are the same words."""

import re
import unicodedata


def plain(text: str) -> str:
    """Lower case, accents stripped, every run of punctuation or spaces one space."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", letters).strip()
