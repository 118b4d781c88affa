"""The dashboard's figures over a period, from what the database holds.

Conversations are counted from the action server's text-free turn log (bot_turn): a
conversation that never reached a custom action (a greeting alone, an out-of-scope question) is
not counted. Bookings are deleted the day after their session (bot/storage/retention.py) and
alerts after 30 days, so their counts cover what is still stored.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import Alert, Booking, BotTurn, Feedback

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Dashboard:
    days: List[date]
    channels: List[str]
    conversations: Dict[Tuple[date, str], int]
    top_fiches: List[Tuple[str, int]]
    answers: int
    fallbacks: int
    useful: int
    not_useful: int
    bookings: Dict[str, int] = field(default_factory=dict)
    alerts: int = 0

    @property
    def fallback_rate(self) -> float:
        total = self.answers + self.fallbacks
        return self.fallbacks / total if total else 0.0

    @property
    def useful_rate(self) -> float:
        total = self.useful + self.not_useful
        return self.useful / total if total else 0.0

    def conversations_on(self, day: date) -> int:
        return sum(self.conversations.get((day, c), 0) for c in self.channels)


def dashboard(db: Session, now: datetime, days: int = 30, top: int = 10) -> Dashboard:
    """The figures of the last `days` days (Paris calendar days, today included)."""
    today = now.astimezone(PARIS).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=PARIS)
    turns = db.execute(
        select(BotTurn.created_at, BotTurn.channel, BotTurn.conversation, BotTurn.kind, BotTurn.fiche)
        .where(BotTurn.created_at >= since)
    ).all()
    seen = defaultdict(set)
    kinds, fiches = Counter(), Counter()
    for created_at, channel, conversation, kind, fiche in turns:
        seen[(created_at.astimezone(PARIS).date(), channel)].add(conversation)
        kinds[kind] += 1
        if kind == "answer" and fiche:
            fiches[fiche] += 1
    feedback = dict(db.execute(
        select(Feedback.useful, func.count()).where(Feedback.created_at >= since).group_by(Feedback.useful)
    ).all())
    bookings = dict(db.execute(
        select(Booking.status, func.count()).where(Booking.created_at >= since).group_by(Booking.status)
    ).all())
    alerts = db.execute(select(func.count()).select_from(Alert).where(Alert.created_at >= since)).scalar()
    return Dashboard(
        days=[first_day + timedelta(days=n) for n in range(days)],
        channels=sorted({channel for _, channel in seen}),
        conversations={key: len(ids) for key, ids in seen.items()},
        top_fiches=fiches.most_common(top),
        answers=kinds["answer"], fallbacks=kinds["fallback"],
        useful=feedback.get(True, 0), not_useful=feedback.get(False, 0),
        bookings=bookings, alerts=alerts or 0,
    )
