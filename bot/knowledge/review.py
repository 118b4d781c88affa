"""Keeping the knowledge true: which fiches are due for a review, and what their texts leave
unclear. Read by `python -m bot.knowledge check` and the console's fiche page.

A fiche is due when its oldest source was read more than `review_every_months` ago, or when one
of its figures reaches its `review_by` date (a yearly revaluation, a law under discussion).
Passing a date never breaks anything: it puts the fiche on its owner's list.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from typing import List

from bot.knowledge.glossary import MAX_SENTENCE_WORDS, Glossary, long_sentences
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import WEB_TEXT_FIELDS, Fiche, Figure, Source

OVERDUE, DUE_SOON, UP_TO_DATE = "en retard", "bientôt", "à jour"
DUE_SOON_DAYS = 30


def months_after(day: date, months: int) -> date:
    """The same day `months` later or earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Review:
    fiche: Fiche
    due: date
    status: str
    sources_to_read: List[Source]  # read before the cadence's limit, or citing a figure due
    figures_due: List[Figure]  # whose review_by date is reached


def review(fiche: Fiche, today: date) -> Review:
    read_limit = months_after(today, -fiche.review_every_months)
    figures_due = [f for f in fiche.figures if f.review_by and f.review_by <= today]
    due_urls = {f.source for f in figures_due}
    to_read = [s for s in fiche.sources if s.verified <= read_limit or str(s.url) in due_urls]
    due = min(
        [months_after(fiche.verified, fiche.review_every_months)]
        + [f.review_by for f in fiche.figures if f.review_by]
    )
    status = (
        OVERDUE
        if due <= today
        else DUE_SOON
        if due <= today + timedelta(days=DUE_SOON_DAYS)
        else UP_TO_DATE
    )
    return Review(fiche, due, status, to_read, figures_due)


def reviews(kb: KnowledgeBase, today: date) -> List[Review]:
    """Every fiche, the most urgent first."""
    return sorted((review(fiche, today) for fiche in kb.fiches.values()), key=lambda r: r.due)


def wording_problems(fiche: Fiche, glossary: Glossary) -> List[str]:
    """`field: problem` for each acronym left unexplained and each over-long web sentence."""
    problems = []
    for field, text in fiche.texts().items():
        for problem in glossary.problems(text, short_of_room=field == "sms"):
            problems.append(f"{field}: {problem}")
        if field in WEB_TEXT_FIELDS:
            for sentence in long_sentences(text):
                problems.append(f"{field}: more than {MAX_SENTENCE_WORDS} words in « {sentence} »")
    return problems
