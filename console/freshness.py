"""Knowledge freshness: fiches whose least recently checked source is older than six months.

A fiche is only as fresh as its oldest verification (`Fiche.verified`): amounts and conditions
change, and a resident acting on a stale figure is worse off than one told to ask.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from typing import List

from bot.knowledge import Fiche, KnowledgeBase


@dataclass
class StaleFiche:
    fiche: Fiche
    verified: date
    age_days: int
    stale_sources: list


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def stale_fiches(kb: KnowledgeBase, today: date, months: int = 6) -> List[StaleFiche]:
    """Fiches verified before `months` months ago, the oldest first."""
    limit = months_before(today, months)
    stale = [
        StaleFiche(fiche, fiche.verified, (today - fiche.verified).days,
                   [s for s in fiche.sources if s.verified < limit])
        for fiche in kb.fiches.values()
        if fiche.verified < limit
    ]
    return sorted(stale, key=lambda s: s.verified)
