"""What the actions tell the coordinator console: misunderstood messages for its review inbox
(redacted before storage), and a text-free count of answers and fallbacks for its dashboard.

Recording is a side task: it runs in a worker thread after the action has answered, so it
never delays the resident, and if the database is down or anything else fails, it is logged
and the conversation goes on as if nothing happened.
"""

import hashlib
import hmac
import logging
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Optional, Tuple

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from bot.actions.context import conversation_territory_id
from bot.storage.database import database_url, migrated_sessions
from bot.storage.models import LOW_CONFIDENCE
from bot.storage.review import (
    DESK_CHANNEL,
    DESK_SENDER_PREFIX,
    record_danger,
    record_review,
    record_turn,
)

logger = logging.getLogger(__name__)

# Below this, a knowledge answer was a guess: the coordinator should see the question.
LOW_CONFIDENCE_THRESHOLD = 0.6
# Sender ids can be phone numbers (SMS): they are counted through a keyed hash whose key lives
# only in this process, so no stored value can be traced back to a number.
_CONVERSATION_KEY = secrets.token_bytes(32)
# One writer thread: records queue up in order instead of competing for the SQLite lock.
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console-review")


def _channel(tracker: Tracker) -> str:
    if tracker.sender_id.startswith(DESK_SENDER_PREFIX):
        return DESK_CHANNEL
    return (tracker.get_latest_input_channel() or "inconnu")[:20]


def _conversation(tracker: Tracker) -> str:
    digest = hmac.new(_CONVERSATION_KEY, tracker.sender_id.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def _typed(tracker: Tracker) -> Optional[str]:
    """The text the resident typed; None for a button payload ("/info_cej"), chosen not typed."""
    text = (tracker.latest_message.get("text") or "").strip()
    return None if not text or text.startswith("/") else text


def record_answer(tracker: Tracker, fiche: Optional[str], bot_answer: str) -> Future:
    """Count a knowledge answer; keep the question for review when the intent was a guess."""
    intent = tracker.latest_message.get("intent") or {}
    text = _typed(tracker)
    guessed = text is not None and float(intent.get("confidence") or 0) < LOW_CONFIDENCE_THRESHOLD
    return _record(
        tracker,
        "answer",
        intent.get("name"),
        fiche,
        (LOW_CONFIDENCE, text, bot_answer) if guessed else None,
    )


def record_misunderstood(tracker: Tracker, reason: str, bot_answer: str) -> Future:
    """Count a fallback and keep the message (redacted) for review."""
    text = _typed(tracker)
    return _record(
        tracker, "fallback", None, None, (reason, text, bot_answer) if text is not None else None
    )


def record_danger_reply(tracker: Tracker, category: str) -> Future:
    """Count an emergency reply (day, channel, category); its text is never kept."""
    channel, territory = _channel(tracker), conversation_territory_id(tracker)
    return _writer.submit(
        _safely,
        database_url(),
        lambda db: record_danger(db, territory=territory, channel=channel, category=category),
    )


def _record(
    tracker: Tracker,
    kind: str,
    intent: Optional[str],
    fiche: Optional[str],
    review: Optional[Tuple[str, str, str]],
) -> Future:
    """Read what is needed from the tracker now, write it later in the writer thread."""
    channel, conversation = _channel(tracker), _conversation(tracker)
    territory = conversation_territory_id(tracker)
    ranking = list(tracker.latest_message.get("intent_ranking") or [])

    def work(db: Session) -> None:
        record_turn(
            db,
            territory=territory,
            channel=channel,
            conversation=conversation,
            kind=kind,
            intent=intent,
            fiche=fiche,
        )
        if review:
            reason, text, bot_answer = review
            record_review(
                db,
                territory=territory,
                reason=reason,
                text=text,
                channel=channel,
                ranking=ranking,
                bot_answer=bot_answer,
                fiche=fiche,
            )

    return _writer.submit(_safely, database_url(), work)


def _safely(url: str, work: Callable[[Session], None]) -> None:
    try:
        with migrated_sessions(url)() as db:
            work(db)
    except Exception:
        logger.exception(
            "could not record for the console's review inbox; the conversation goes on"
        )
