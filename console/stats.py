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

from bot.storage.models import (
    Alert,
    AlertDelivery,
    Booking,
    BotTurn,
    CafeSession,
    CentreSocial,
    DangerReply,
    Feedback,
)
from bot.storage.scope import EVERY_TERRITORY, Territories, within

PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class UrgentAlert:
    """An alert raised after a danger message, as the console lists it: no name, no contact."""

    reference: str
    created_at: datetime
    danger: str
    referent_name: str
    delivered: bool

    def waiting(self, now: datetime) -> str:
        """How long ago it was raised, in French: "2 h 05 min", "12 min"."""
        minutes = max(int((now - self.created_at).total_seconds() // 60), 0)
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


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
    # Emergency replies per (day, danger category): counted, their text never kept.
    dangers: Dict[Tuple[date, str], int] = field(default_factory=dict)
    urgent_alerts: List[UrgentAlert] = field(default_factory=list)

    @property
    def danger_categories(self) -> List[str]:
        return sorted({category for _, category in self.dangers})

    def dangers_on(self, day: date) -> int:
        return sum(count for (d, _), count in self.dangers.items() if d == day)

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


def dashboard(
    db: Session,
    now: datetime,
    days: int = 30,
    top: int = 10,
    territories: Territories = EVERY_TERRITORY,
) -> Dashboard:
    """The figures of the last `days` days (Paris calendar days, today included), for the
    reader's territories."""
    today = now.astimezone(PARIS).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=PARIS)
    turns = db.execute(
        select(
            BotTurn.created_at, BotTurn.channel, BotTurn.conversation, BotTurn.kind, BotTurn.fiche
        ).where(BotTurn.created_at >= since, within(BotTurn.territory, territories))
    ).all()
    seen = defaultdict(set)
    kinds, fiches = Counter(), Counter()
    for created_at, channel, conversation, kind, fiche in turns:
        seen[(created_at.astimezone(PARIS).date(), channel)].add(conversation)
        kinds[kind] += 1
        if kind == "answer" and fiche:
            fiches[fiche] += 1
    feedback = dict(
        db.execute(
            select(Feedback.useful, func.count())
            .where(Feedback.created_at >= since, within(Feedback.territory, territories))
            .group_by(Feedback.useful)
        ).all()
    )
    bookings = dict(
        db.execute(
            select(Booking.status, func.count())
            .join(Booking.session)
            .join(CafeSession.centre)
            .where(Booking.created_at >= since, within(CentreSocial.territory, territories))
            .group_by(Booking.status)
        ).all()
    )
    alerts = db.execute(
        select(func.count())
        .select_from(Alert)
        .where(Alert.created_at >= since, within(Alert.territory, territories))
    ).scalar()
    dangers = Counter(
        (created_at.astimezone(PARIS).date(), category)
        for created_at, category in db.execute(
            select(DangerReply.created_at, DangerReply.category).where(
                DangerReply.created_at >= since, within(DangerReply.territory, territories)
            )
        )
    )
    return Dashboard(
        days=[first_day + timedelta(days=n) for n in range(days)],
        channels=sorted({channel for _, channel in seen}),
        conversations={key: len(ids) for key, ids in seen.items()},
        top_fiches=fiches.most_common(top),
        answers=kinds["answer"],
        fallbacks=kinds["fallback"],
        useful=feedback.get(True, 0),
        not_useful=feedback.get(False, 0),
        bookings=bookings,
        alerts=alerts or 0,
        dangers=dict(dangers),
        urgent_alerts=urgent_alerts(db, since, territories),
    )


def urgent_alerts(
    db: Session, since: datetime, territories: Territories = EVERY_TERRITORY
) -> List[UrgentAlert]:
    """The urgent alerts of the reader's territories raised since `since`, the most recent
    first."""
    delivered = (
        select(AlertDelivery.id)
        .where(AlertDelivery.alert_id == Alert.id, AlertDelivery.sent_at.is_not(None))
        .exists()
    )
    rows = db.execute(
        select(Alert.reference, Alert.created_at, Alert.danger, Alert.referent_name, delivered)
        .where(
            Alert.danger.is_not(None),
            Alert.created_at >= since,
            within(Alert.territory, territories),
        )
        .order_by(Alert.created_at.desc())
    ).all()
    return [UrgentAlert(*row) for row in rows]
