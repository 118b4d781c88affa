"""Residents' feedback on answers ("utile / pas utile"), kept 13 months.

What is stored is what the resident saw and typed (the answer, their question), whether it helped
and the fiche it was about: enough to improve the fiches and the training data, nothing to reach
anyone. Both texts go through `bot.redaction` first (a phone number becomes "[téléphone]").
Thirteen months (395 days), the limit the CNIL gives for audience measurement: a whole year can
be compared with the next one. Each new feedback purges the expired ones in the same
transaction, so no separate job is needed. Knows nothing of Rasa or HTTP.
"""

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.redaction import redact
from bot.storage.database import transaction
from bot.storage.models import Feedback, utc_now

RETENTION = timedelta(days=395)


def record_feedback(
    db: Session,
    *,
    territory: str,
    channel: str,
    conversation: str,
    useful: bool,
    bot_text: str,
    fiche: Optional[str] = None,
    user_text: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Feedback:
    """Store one feedback and delete those older than `RETENTION`, in one transaction."""
    now = now or utc_now()
    with transaction(db):
        db.execute(
            delete(Feedback)
            .where(Feedback.created_at < now - RETENTION)
            .execution_options(synchronize_session=False)
        )
        feedback = Feedback(
            territory=territory,
            created_at=now,
            channel=channel,
            conversation=conversation,
            useful=useful,
            fiche=fiche,
            bot_text=redact(bot_text),
            user_text=redact(user_text) if user_text is not None else None,
        )
        db.add(feedback)
    return feedback
