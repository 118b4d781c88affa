"""The web channel's access to the app database (`DATABASE_URL`, bot/storage/database.py).

The Rasa server process does not otherwise touch the database, so the schema is migrated on
first use here, as the action server does. The work runs in a worker thread: the server's event
loop keeps answering other residents meanwhile.
"""

from bot.storage.database import in_worker_thread
from bot.storage.feedback import record_feedback
from channels.web.inputs import FeedbackInput


async def store_feedback(channel: str, feedback: FeedbackInput) -> None:
    """Store the feedback (SQLAlchemy errors propagate: the caller answers 503)."""
    await in_worker_thread(
        lambda db: record_feedback(
            db,
            territory=feedback.territory,
            channel=channel,
            conversation=feedback.sender,
            useful=feedback.useful,
            bot_text=feedback.bot_text,
            fiche=feedback.fiche,
            user_text=feedback.user_text,
        )
    )
