"""The web channel's access to the app database (`DATABASE_URL`, bot/storage/database.py).

The Rasa server process does not otherwise touch the database, so the schema is migrated on
first use here, as the action server does. The work runs in a worker thread: the server's event
loop keeps answering other residents meanwhile.
"""

import asyncio
import threading
from typing import Dict

from sqlalchemy.orm import sessionmaker

from bot.storage.database import database_url, make_engine, migrate, session_factory
from bot.storage.feedback import record_feedback
from channels.web.inputs import FeedbackInput

_factories: Dict[str, sessionmaker] = {}
_lock = threading.Lock()


def _factory(url: str) -> sessionmaker:
    with _lock:
        if url not in _factories:
            migrate(url)
            _factories[url] = session_factory(make_engine(url))
        return _factories[url]


def _store(url: str, channel: str, feedback: FeedbackInput) -> None:
    with _factory(url)() as db:
        record_feedback(
            db, channel=channel, conversation=feedback.sender, useful=feedback.useful,
            bot_text=feedback.bot_text, fiche=feedback.fiche, user_text=feedback.user_text,
        )


async def store_feedback(channel: str, feedback: FeedbackInput) -> None:
    """Store the feedback (SQLAlchemy errors propagate: the caller answers 503)."""
    await asyncio.to_thread(_store, database_url(), channel, feedback)
