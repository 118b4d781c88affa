"""Plain words: every acronym and scheme word a resident may read, the check that each text
explains it where it first appears (each text may be sent alone: a follow-up answer, an SMS), and
short sentences.

The glossary is `knowledge/glossary.yml`; a text explains a term when the term's meaning (or one
of its accepted explanations) is written close to its first use: "le CEJ (contrat d'engagement
jeune)", "la caisse d'allocations familiales (CAF)".
"""

import re
from typing import List

from pydantic import validator

from bot.knowledge.models import Text, _Strict, refuse_repeated
from bot.plain_text import plain

# Letters around a term's first use where its explanation must be.
EXPLANATION_WINDOW = 160
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,}\b")


class Term(_Strict):
    term: Text
    means: Text  # what it stands for, in the words an answer uses
    also: List[Text] = []  # other explanations an answer may use instead
    # A word residents know (CV, CDI): an SMS short of room may leave it unexplained.
    everyday: bool = False

    def explained_in(self, text: str) -> bool:
        """Whether an explanation is written near the term's first use in `text`."""
        first = re.search(rf"\b{re.escape(self.term)}\b", text)
        if first is None:
            return True
        near = plain(
            text[max(0, first.start() - EXPLANATION_WINDOW) : first.end() + EXPLANATION_WINDOW]
        )
        return any(plain(words) in near for words in [self.means] + self.also)


class Glossary(_Strict):
    terms: List[Term]

    @validator("terms")
    def _unique_terms(cls, value: List[Term]) -> List[Term]:
        refuse_repeated("terms", [term.term for term in value])
        return value

    def problems(self, text: str, short_of_room: bool = False) -> List[str]:
        """What `text` leaves unexplained: unknown acronyms, then terms used without their
        meaning nearby (`short_of_room`: an SMS may leave everyday words unexplained)."""
        known_words = {word for term in self.terms for word in term.term.split()}
        unknown = sorted({a for a in _ACRONYM.findall(text) if a not in known_words})
        found = [f"'{a}' is not in knowledge/glossary.yml" for a in unknown]
        for term in self.terms:
            if short_of_room and term.everyday:
                continue
            if not term.explained_in(text):
                found.append(f"'{term.term}' is used without its meaning ({term.means}) nearby")
        return found


MAX_SENTENCE_WORDS = 20
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def long_sentences(text: str, limit: int = MAX_SENTENCE_WORDS) -> List[str]:
    """Sentences of more than `limit` words: hard to read for many residents."""
    return [s for s in _SENTENCE_END.split(text) if len(s.split()) > limit]
