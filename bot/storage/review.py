"""The console's review inbox: messages the bot handled badly, grouped, given a status, taught.

Every text is redacted (bot/redaction.py) before it reaches the database: the inbox is for the
wording of questions, never for who asked. Items and turn counts are kept 13 months (395 days,
as the feedback), purged when a new one is recorded. Knows nothing of Rasa or HTTP.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.plain_text import plain
from bot.redaction import redact
from bot.storage.database import transaction
from bot.storage.models import (
    DONE,
    NOT_USEFUL,
    TODO,
    UNMET,
    BotTurn,
    DangerReply,
    Feedback,
    ReviewItem,
    TrainingExample,
    utc_now,
)
from bot.storage.scope import EVERY_TERRITORY, Territories, within

RETENTION = timedelta(days=395)
# The console's reception desk (/accueil) talks through the REST channel for a resident, under
# sender ids with this prefix: its conversations are counted apart, as channel "accueil".
DESK_SENDER_PREFIX = "accueil-"
DESK_CHANNEL = "accueil"
TOP_INTENTS = 3
NORMALIZED_LENGTH = 300
# Not an intent the model chose, only the FallbackClassifier's verdict on the ranking below it.
NOT_AN_INTENT = {"nlu_fallback"}


def normalize(text: str) -> str:
    """The same question typed two ways is one row of the inbox."""
    return plain(text)[:NORMALIZED_LENGTH]


def top_intents(ranking: Sequence[dict], count: int = TOP_INTENTS) -> List[dict]:
    """The model's first `count` intents with their confidence, rounded for display."""
    kept = [r for r in ranking or [] if r.get("name") and r["name"] not in NOT_AN_INTENT]
    return [
        {"name": r["name"], "confidence": round(float(r.get("confidence") or 0.0), 3)}
        for r in kept[:count]
    ]


def _purge(db: Session, now: datetime) -> None:
    for table in (ReviewItem, BotTurn, DangerReply):
        db.execute(
            delete(table)
            .where(table.created_at < now - RETENTION)
            .execution_options(synchronize_session="fetch")
        )


def record_review(
    db: Session,
    *,
    territory: str,
    reason: str,
    text: str,
    channel: str,
    ranking: Sequence[dict] = (),
    bot_answer: str = "",
    fiche: Optional[str] = None,
    now: Optional[datetime] = None,
) -> ReviewItem:
    """Store one message for review, redacted, and purge the expired ones (one transaction)."""
    now = now or utc_now()
    redacted = redact(text)
    with transaction(db):
        _purge(db, now)
        item = ReviewItem(
            territory=territory,
            created_at=now,
            channel=channel,
            reason=reason,
            text=redacted,
            normalized=normalize(redacted),
            intents=json.dumps(top_intents(ranking)),
            bot_answer=redact(bot_answer),
            fiche=fiche,
            status=TODO,
        )
        db.add(item)
    return item


def record_turn(
    db: Session,
    *,
    territory: str,
    channel: str,
    conversation: str,
    kind: str,
    intent: Optional[str] = None,
    fiche: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    """Count one answer or fallback (no text) for the dashboard."""
    with transaction(db):
        db.add(
            BotTurn(
                territory=territory,
                created_at=now or utc_now(),
                channel=channel,
                conversation=conversation,
                kind=kind,
                intent=intent,
                fiche=fiche,
            )
        )


def record_danger(
    db: Session, *, territory: str, channel: str, category: str, now: Optional[datetime] = None
) -> None:
    """Count one emergency reply: its day, channel and category, never its text."""
    now = now or utc_now()
    with transaction(db):
        _purge(db, now)
        db.add(DangerReply(territory=territory, created_at=now, channel=channel, category=category))


def import_feedback(db: Session) -> int:
    """Bring "pas utile" feedback not yet in the inbox into it (redacted); how many came."""
    imported = select(ReviewItem.feedback_id).where(ReviewItem.feedback_id.is_not(None))
    with transaction(db):
        rows = (
            db.execute(
                select(Feedback).where(Feedback.useful.is_(False), Feedback.id.not_in(imported))
            )
            .scalars()
            .all()
        )
        for feedback in rows:
            text = redact(feedback.user_text or "")
            db.add(
                ReviewItem(
                    territory=feedback.territory,
                    created_at=feedback.created_at,
                    channel=feedback.channel,
                    reason=NOT_USEFUL,
                    text=text,
                    normalized=normalize(text),
                    intents="[]",
                    bot_answer=redact(feedback.bot_text),
                    fiche=feedback.fiche,
                    status=TODO,
                    feedback_id=feedback.id,
                )
            )
    return len(rows)


@dataclass
class Group:
    """Items with the same normalised text and status; `latest` shows what it looks like."""

    latest: ReviewItem
    count: int
    first_at: datetime
    last_at: datetime
    reasons: List[str]
    channels: List[str]

    @property
    def intents(self) -> List[dict]:
        return json.loads(self.latest.intents)


def groups(
    db: Session, status: str = TODO, territories: Territories = EVERY_TERRITORY
) -> List[Group]:
    """The inbox for one status: one row per question, the most asked first."""
    mine = within(ReviewItem.territory, territories)
    rows = db.execute(
        select(
            ReviewItem.normalized,
            func.count(ReviewItem.id),
            func.min(ReviewItem.created_at),
            func.max(ReviewItem.id),
        )
        .where(ReviewItem.status == status, mine)
        .group_by(ReviewItem.normalized)
    ).all()
    latest_ids = [row[3] for row in rows]
    items: Dict[int, ReviewItem] = {
        i.id: i
        for i in db.execute(select(ReviewItem).where(ReviewItem.id.in_(latest_ids))).scalars()
    }
    members = db.execute(
        select(ReviewItem.normalized, ReviewItem.reason, ReviewItem.channel).where(
            ReviewItem.status == status, mine
        )
    ).all()
    result = []
    for normalized, count, first_at, latest_id in rows:
        latest = items[latest_id]
        mine = [m for m in members if m[0] == normalized]
        result.append(
            Group(
                latest=latest,
                count=count,
                first_at=first_at,  # min() keeps the column's type: an aware UTC datetime
                last_at=latest.created_at,
                reasons=sorted({m[1] for m in mine}),
                channels=sorted({m[2] for m in mine}),
            )
        )
    return sorted(result, key=lambda g: (-g.count, -g.last_at.timestamp()))


def group_of(
    db: Session, item_id: int, territories: Territories = EVERY_TERRITORY
) -> List[ReviewItem]:
    """The item and every other one with the same text and status, newest first; nothing if
    the item is not of the reader's territories."""
    mine = within(ReviewItem.territory, territories)
    item = db.execute(select(ReviewItem).where(ReviewItem.id == item_id, mine)).scalar()
    if item is None:
        return []
    return (
        db.execute(
            select(ReviewItem)
            .where(ReviewItem.normalized == item.normalized, ReviewItem.status == item.status, mine)
            .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc())
        )
        .scalars()
        .all()
    )


def set_status(
    db: Session,
    item_id: int,
    status: str,
    account_id: Optional[int],
    theme: Optional[str] = None,
    quartier: Optional[str] = None,
    now: Optional[datetime] = None,
    territories: Territories = EVERY_TERRITORY,
) -> int:
    """Give the item's whole group a status (theme and quartier for an unmet need); how many."""
    if status == UNMET and not (theme and quartier):
        raise ValueError("an unmet need needs a theme and a quartier")
    now = now or utc_now()
    with transaction(db):
        items = group_of(db, item_id, territories)
        for item in items:
            item.status = status
            item.theme, item.quartier = (theme, quartier) if status == UNMET else (None, None)
            item.handled_at = now
            item.handled_by = account_id
    return len(items)


def teach(
    db: Session,
    item_id: int,
    intent: str,
    account_id: Optional[int],
    now: Optional[datetime] = None,
    territories: Territories = EVERY_TERRITORY,
) -> TrainingExample:
    """Make the item's text a training example of `intent` (replacing an earlier label of the
    same phrasing) and mark its group as handled. The model is the deployment's: an example
    taught in one territory helps them all."""
    now = now or utc_now()
    with transaction(db):
        item = db.execute(
            select(ReviewItem).where(
                ReviewItem.id == item_id, within(ReviewItem.territory, territories)
            )
        ).scalar()
        if item is None:
            raise LookupError(f"no review item {item_id}")
        example = db.execute(
            select(TrainingExample).where(TrainingExample.normalized == item.normalized)
        ).scalar_one_or_none()
        if example is None:
            example = TrainingExample(created_at=now, text=item.text, normalized=item.normalized)
            db.add(example)
        example.intent, example.review_item_id, example.created_by = intent, item.id, account_id
        for member in group_of(db, item_id, territories):
            member.status, member.handled_at, member.handled_by = DONE, now, account_id
    return example


def examples(db: Session) -> List[TrainingExample]:
    return (
        db.execute(select(TrainingExample).order_by(TrainingExample.intent, TrainingExample.id))
        .scalars()
        .all()
    )


@dataclass
class UnmetNeed:
    theme: str
    quartier: str
    count: int
    examples: List[str]


def unmet_needs(db: Session, territories: Territories = EVERY_TERRITORY) -> List[UnmetNeed]:
    """Unmet needs per theme and quartier, the most frequent first, with a few of the questions."""
    items = (
        db.execute(
            select(ReviewItem)
            .where(ReviewItem.status == UNMET, within(ReviewItem.territory, territories))
            .order_by(ReviewItem.created_at.desc())
        )
        .scalars()
        .all()
    )
    by_key: Dict[tuple, UnmetNeed] = {}
    for item in items:
        need = by_key.setdefault(
            (item.theme, item.quartier), UnmetNeed(item.theme, item.quartier, 0, [])
        )
        need.count += 1
        if item.text not in need.examples and len(need.examples) < 3:
            need.examples.append(item.text)
    return sorted(by_key.values(), key=lambda n: (-n.count, n.theme, n.quartier))
