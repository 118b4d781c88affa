"""Conversations (Rasa's trackers) are deleted one day after their last message.

In production, Rasa's SQL tracker store (deploy/endpoints.production.yml) keeps every event of
every conversation in the `events` table: what residents typed, unredacted, a first name or a
phone number included. Rasa needs them only while the conversation goes on (a session ends after
60 minutes of silence, domain.yml; the next one carries the slots over), and nothing else reads
them: bookings and alerts keep what they need in their own tables, the console redacted copies.
So CONVERSATION_RETENTION is one day: a resident who comes back the same day goes on where they
were, and what they typed is not kept longer than they were told. A booking's name and phone are
kept "jusqu'au café emploi" and deleted the day after it, as is a booking conversation that ended
before the session; a refused consent keeps nothing (the phone typed before goes within a day);
an alert is erased after 30 days.

Whole conversations only, and only idle ones: every event of a `sender_id` whose newest event is
older than the retention. Deleting the old events of a conversation still going on would leave
Rasa a tracker with its beginning cut off. A message racing with the purge still leaves whole
conversations: Rasa writes back all of a tracker it read before the purge (it stores what the
table lacks), and an event committed while the purge runs (outside its snapshot) survives alone,
but it opens a new session (the retention is longer than a session), which Rasa reads by itself.

The alert sender (bot/alerts.py) runs the purge every hour. Knows nothing of Rasa but the layout
of its table.
"""

import logging
import os
from datetime import datetime, timedelta
from typing import Mapping, Optional, Union

from sqlalchemy import column, create_engine, delete, func, inspect, select, table
from sqlalchemy.engine import URL, Engine

from bot.storage.models import utc_now

logger = logging.getLogger(__name__)

CONVERSATION_RETENTION = timedelta(days=1)
# An unreachable trackers' database holds the alert sender's round up this long at most.
CONNECT_TIMEOUT_SECONDS = 10

# Rasa's SQLTrackerStore.SQLEvent, the two columns the purge reads (timestamp: epoch seconds).
EVENTS = table("events", column("sender_id"), column("timestamp"))


def tracker_store_url(env: Mapping[str, str] = os.environ) -> Optional[URL]:
    """The trackers' database, from the variables Rasa's production endpoints file reads; None
    without `TRACKER_DB_HOST`: Rasa keeps the conversations in memory, there is nothing to purge."""
    if not env.get("TRACKER_DB_HOST"):
        return None
    port = env.get("TRACKER_DB_PORT")
    return URL.create(
        "postgresql",  # the endpoints file's `dialect`
        username=env.get("TRACKER_DB_USER") or None,
        password=env.get("TRACKER_DB_PASSWORD") or None,
        host=env["TRACKER_DB_HOST"],
        port=int(port) if port else None,
        database=env.get("TRACKER_DB_NAME") or None,
        query={"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)},
    )


def purge_conversations(
    tracker_store: Union[str, URL, Engine], now: Optional[datetime] = None
) -> int:
    """Delete the conversations idle for more than CONVERSATION_RETENTION, in one transaction;
    how many. A database without `events` (Rasa never used it) is left as it is."""
    engine = (
        tracker_store
        if isinstance(tracker_store, Engine)
        else create_engine(tracker_store, future=True, hide_parameters=True)
    )
    try:
        return _purge(engine, (now or utc_now()) - CONVERSATION_RETENTION)
    finally:
        if engine is not tracker_store:
            engine.dispose()


def _purge(engine: Engine, cutoff: datetime) -> int:
    if engine.dialect.name == "postgresql":
        # The count and the deletion see the same snapshot, so the count is what was deleted.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    idle = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff.timestamp())
    )
    with engine.begin() as connection:
        if not inspect(connection).has_table(EVENTS.name):
            logger.debug("no events table in the trackers' database: no conversation to purge")
            return 0
        purged = connection.execute(select(func.count()).select_from(idle.subquery())).scalar_one()
        if purged:
            connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(idle)))
        return purged
