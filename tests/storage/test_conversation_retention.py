"""Conversations in Rasa's real SQL tracker store go whole once idle past the retention, never
a part of one still going on (both backends); the alert sender runs the purge once an hour."""

import asyncio
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from bot.alerts import CONVERSATION_PURGE_INTERVAL_SECONDS, conversation_purge
from bot.storage.conversations import (
    CONVERSATION_RETENTION,
    purge_conversations,
    tracker_store_url,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def _tracker_store(url: str, domain: Domain) -> SQLTrackerStore:
    """Rasa's own tracker store on the test database, as the endpoints file configures it."""
    parts = make_url(url)
    return SQLTrackerStore(
        domain,
        dialect=parts.drivername,
        host=parts.host,
        port=parts.port,
        db=parts.database,
        username=parts.username,
    )


@pytest.fixture
def store_for(domain):
    stores = []

    def make(url: str) -> SQLTrackerStore:
        stores.append(_tracker_store(url, domain))
        return stores[-1]

    yield make
    for store in stores:
        store.engine.dispose()


def _conversation(sender_id: str, domain: Domain, *sessions) -> DialogueStateTracker:
    """A tracker with one Rasa session per tuple of message times (epoch seconds)."""
    events = []
    for times in sessions:
        start = times[0]
        events += [
            ActionExecuted("action_session_start", timestamp=start),
            SessionStarted(timestamp=start),
            ActionExecuted("action_listen", timestamp=start),
        ]
        for at in times:
            events += [
                UserUttered(
                    "c koi le cej", intent={"name": "info_cej", "confidence": 0.97}, timestamp=at
                ),
                ActionExecuted("utter_greet", timestamp=at),
                ActionExecuted("action_listen", timestamp=at),
            ]
    return DialogueStateTracker.from_events(sender_id, events, domain.slots)


def _save(store: SQLTrackerStore, *trackers: DialogueStateTracker) -> None:
    for tracker in trackers:
        asyncio.run(store.save(tracker))


def _stored_events(store: SQLTrackerStore, sender_id: str) -> list:
    tracker = asyncio.run(store.retrieve_full_tracker(sender_id))
    return [event.as_dict() for event in tracker.events] if tracker else []


def test_idle_conversations_go_whole_and_the_others_stay_intact(
    empty_database_url, store_for, domain, now
):
    store = store_for(empty_database_url)

    def at(ago: timedelta) -> float:
        return (now - ago).timestamp()

    kept = [
        _conversation("recent", domain, (at(timedelta(hours=3)), at(timedelta(minutes=5)))),
        # Its first session is long gone, its last message is not: it is kept, all of it.
        _conversation(
            "ongoing",
            domain,
            (at(timedelta(days=6)), at(timedelta(days=5))),
            (at(timedelta(hours=2)), at(timedelta(minutes=30))),
        ),
        _conversation("just-inside", domain, (at(CONVERSATION_RETENTION - timedelta(minutes=1)),)),
    ]
    idle = [
        _conversation("idle", domain, (at(timedelta(days=3)), at(timedelta(days=2)))),
        _conversation("just-past", domain, (at(CONVERSATION_RETENTION + timedelta(minutes=1)),)),
    ]
    _save(store, *kept, *idle)

    assert purge_conversations(empty_database_url, now=now) == 2

    for tracker in idle:
        assert asyncio.run(store.retrieve(tracker.sender_id)) is None
        assert _stored_events(store, tracker.sender_id) == []
    for tracker in kept:
        assert _stored_events(store, tracker.sender_id) == [e.as_dict() for e in tracker.events]
    assert set(asyncio.run(store.keys())) == {tracker.sender_id for tracker in kept}
    assert purge_conversations(store.engine, now=now) == 0

    later = now + CONVERSATION_RETENTION + timedelta(minutes=1)
    assert purge_conversations(store.engine, now=later) == 3
    assert asyncio.run(store.keys()) == []


def test_without_an_events_table_there_is_nothing_to_do(empty_database_url, now):
    """The conversations are in memory (dev) or Rasa never started on that database."""
    assert purge_conversations(empty_database_url, now=now) == 0
    engine = create_engine(empty_database_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_the_tracker_store_url_comes_from_the_endpoints_variables():
    assert tracker_store_url({}) is None
    assert tracker_store_url({"TRACKER_DB_NAME": "rasa_trackers"}) is None
    url = tracker_store_url(
        {
            "TRACKER_DB_HOST": "postgres",
            "TRACKER_DB_PORT": "5432",
            "TRACKER_DB_NAME": "rasa_trackers",
            "TRACKER_DB_USER": "cites",
            "TRACKER_DB_PASSWORD": "p@ss:w/rd?#",
        }
    )
    parsed = make_url(url.render_as_string(hide_password=False))
    assert (parsed.get_backend_name(), parsed.host, parsed.port, parsed.database) == (
        "postgresql",
        "postgres",
        5432,
        "rasa_trackers",
    )
    assert (parsed.username, parsed.password) == ("cites", "p@ss:w/rd?#")
    no_password = tracker_store_url({"TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PASSWORD": ""})
    assert no_password.password is None and no_password.port is None


def test_a_rasa_session_ends_well_before_the_retention():
    """What the purge's docstring relies on: an event written after a conversation went idle
    opens a new session, so it never continues a session the purge deleted."""
    session = yaml.safe_load((ROOT / "domain.yml").read_text())["session_config"]
    expiration = timedelta(minutes=session["session_expiration_time"])
    assert timedelta(0) < expiration < CONVERSATION_RETENTION


def test_the_alert_sender_purges_once_an_hour_and_survives_a_failure(
    tmp_path, store_for, domain, caplog
):
    path = tmp_path / "trackers.db"
    store = store_for(f"sqlite:///{path}")
    two_days_ago = time.time() - 2 * 86400
    clock = [1000.0]
    purge = conversation_purge(f"sqlite:///{path}", clock=lambda: clock[0])
    caplog.set_level(logging.INFO, logger="bot.alerts")

    _save(store, _conversation("first", domain, (two_days_ago,)))
    purge()
    assert asyncio.run(store.keys()) == []
    assert "1 idle conversation(s) deleted" in caplog.text

    _save(store, _conversation("second", domain, (two_days_ago,)))
    clock[0] += CONVERSATION_PURGE_INTERVAL_SECONDS - 1
    purge()
    assert asyncio.run(store.keys()) == ["second"]
    clock[0] += 1
    purge()
    assert asyncio.run(store.keys()) == []

    broken = conversation_purge(f"sqlite:///{tmp_path / 'missing' / 'trackers.db'}")
    broken()  # does not raise: the round goes on
    assert "conversation purge failed" in caplog.text


def test_python_m_bot_alerts_purges_the_production_tracker_store(
    postgres, tmp_path, store_for, domain
):
    """The alert sender as deployed: TRACKER_DB_* as in deploy/compose.yml, PostgreSQL."""
    url = postgres.new_database()
    store = store_for(url)
    two_days_ago, ten_minutes_ago = time.time() - 2 * 86400, time.time() - 600
    _save(
        store,
        _conversation("idle", domain, (two_days_ago,)),
        _conversation("recent", domain, (two_days_ago, ten_minutes_ago)),
    )
    parts = make_url(url)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bookings.db'}",
        "SMTP_HOST": "",
        "ALERT_WEBHOOK_URL": "",
        "TRACKER_DB_HOST": parts.host,
        "TRACKER_DB_PORT": str(parts.port),
        "TRACKER_DB_NAME": parts.database,
        "TRACKER_DB_USER": parts.username,
        "TRACKER_DB_PASSWORD": "",  # trust authentication on this throwaway cluster
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot.alerts", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "1 idle conversation(s) deleted from the tracker store" in run.stderr
    assert asyncio.run(store.keys()) == ["recent"]
    assert len(_stored_events(store, "recent")) == 9
