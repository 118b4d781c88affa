"""Feedback storage: what is kept (redacted) and for how long (13 months), on a migrated SQLite
database (the schema on PostgreSQL is checked by tests/storage/test_migrations.py)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.storage.database import make_engine, migrate, session_factory
from bot.storage.feedback import RETENTION, record_feedback
from bot.storage.models import Feedback

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


def store(db, now, **fields):
    return record_feedback(
        db,
        territory="demo",
        channel="web",
        conversation="web-0123456789",
        useful=fields.pop("useful", True),
        bot_text=fields.pop("bot_text", "Le CEJ : …"),
        now=now,
        **fields,
    )


def test_feedback_keeps_the_texts_without_contact_details(db):
    store(
        db,
        NOW,
        useful=False,
        fiche="cej",
        user_text="mon mail c'est awa@example.org",
        bot_text="On vous rappelle au 06 12 34 56 78.",
    )
    row = db.execute(select(Feedback)).scalar_one()
    assert (row.useful, row.fiche, row.created_at) == (False, "cej", NOW)
    assert row.user_text == "mon mail c'est [email]"
    assert row.bot_text == "On vous rappelle au [téléphone]."


def test_feedback_older_than_13_months_is_deleted_when_new_feedback_comes(db):
    store(db, NOW - RETENTION - timedelta(days=1), bot_text="trop vieux")
    store(db, NOW - RETENTION + timedelta(days=1), bot_text="encore gardé")
    store(db, NOW, bot_text="nouveau")
    kept = db.execute(select(Feedback.bot_text).order_by(Feedback.created_at)).scalars().all()
    assert kept == ["encore gardé", "nouveau"]
    assert timedelta(days=390) <= RETENTION <= timedelta(days=396)
