"""Loading the territory file (idempotent, safe for booked places) and the staff CSV export."""

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
import yaml
from sqlalchemy import func, select

from bot.storage.booking import SessionNotFound, book, join_waiting_list
from bot.storage.database import ROOT
from bot.storage.export import write_attendees
from bot.storage.models import CafeSession, CentreSocial, Outbox
from bot.storage.territory import TerritoryError, load_territory

FIXTURE = ROOT / "tests" / "fixtures" / "territory.yml"


def _count(db, model) -> int:
    return db.execute(select(func.count()).select_from(model)).scalar_one()


def _edited(tmp_path, edit):
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "territory.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_loading_twice_creates_nothing_twice(db, now):
    first = load_territory(db, FIXTURE, now=now)
    assert (first.centres_created, first.sessions_created) == (2, 5)
    again = load_territory(db, FIXTURE, now=now)
    assert (again.centres_created, again.centres_updated) == (0, 0)
    assert (again.sessions_created, again.sessions_updated) == (0, 0)
    assert (_count(db, CentreSocial), _count(db, CafeSession)) == (2, 5)
    session = db.execute(select(CafeSession).where(CafeSession.key == "tilleuls-2026-12-03"))
    session = session.scalar_one()
    assert session.starts_at == datetime(2026, 12, 3, 8, 30, tzinfo=timezone.utc)
    assert (session.centre.slug, session.capacity, session.booked) == ("tilleuls", 12, 0)


def test_an_edited_session_is_updated_and_its_reminders_follow(db, sessions, now, tmp_path):
    session = sessions["tilleuls-2026-12-03"]
    booking = book(db, session.id, "Awa", "06 39 98 00 01", "sms", now=now)

    def move(data):
        entry = next(s for s in data["cafe_sessions"] if s["key"] == session.key)
        entry["starts_at"] = "2026-12-04T14:00:00+01:00"
        entry["capacity"] = 20

    report = load_territory(db, _edited(tmp_path, move), now=now)
    assert (report.sessions_created, report.sessions_updated) == (0, 1)
    db.refresh(session)
    assert (session.capacity, session.booked) == (20, 1)
    reminder = db.execute(select(Outbox).where(Outbox.booking_id == booking.id)).scalar_one()
    assert reminder.due_at == datetime(2026, 12, 3, 17, 0, tzinfo=timezone.utc)


def test_capacity_below_the_booked_places_is_refused_and_nothing_changes(
    db, sessions, now, tmp_path
):
    session = sessions["marronniers-2026-12-05"]
    for n in range(2):
        book(db, session.id, "Sam", f"06 39 98 00 0{n}", "sms", now=now)

    def shrink(data):
        for entry in data["cafe_sessions"]:
            entry["theme"] = "Autre thème"
            if entry["key"] == session.key:
                entry["capacity"] = 1

    with pytest.raises(TerritoryError, match="marronniers-2026-12-05: capacity 1 is below the 2"):
        load_territory(db, _edited(tmp_path, shrink), now=now)
    db.refresh(session)
    assert (session.capacity, session.booked, session.theme) == (3, 2, "Les métiers de la logistique")


def test_invalid_entries_are_named(db, tmp_path, now):
    def break_it(data):
        data["cafe_sessions"][0]["starts_at"] = "2026-12-03T09:30:00"
        data["cafe_sessions"][2]["capacity"] = 0

    with pytest.raises(TerritoryError) as error:
        load_territory(db, _edited(tmp_path, break_it), now=now)
    message = str(error.value)
    assert "cafe_sessions.0.starts_at" in message and "cafe_sessions.2.capacity" in message
    assert _count(db, CafeSession) == 0


def test_unknown_centre_is_named(db, tmp_path, now):
    def orphan(data):
        data["cafe_sessions"][1]["centre"] = "nulle-part"

    with pytest.raises(TerritoryError, match="tilleuls-2026-12-03: unknown centre 'nulle-part'"):
        load_territory(db, _edited(tmp_path, orphan), now=now)
    assert _count(db, CafeSession) == 0


def test_the_command_loads_the_file(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    command = [sys.executable, "-m", "bot.storage.territory", str(FIXTURE)]
    for expected in ("centres: 2 created", "centres: 0 created, 0 updated"):
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert run.stdout.startswith(expected)


def test_export_lists_the_places_then_the_waiting_list(db, database_url, sessions, now):
    session = sessions["marronniers-2026-12-12"]
    first = book(db, session.id, "Awa", "06 39 98 00 01", "sms", now=now)
    waiting = join_waiting_list(db, session.id, "Yanis", "06 39 98 00 02", "rest", now=now)
    out = io.StringIO()
    assert write_attendees(db, session.id, out) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["reference", "first_name", "phone", "status", "booked_at"],
        [first.reference, "Awa", "+33639980001", "confirmed", "2026-11-25 11:00"],
        [waiting.reference, "Yanis", "+33639980002", "waiting", "2026-11-25 11:00"],
    ]
    with pytest.raises(SessionNotFound):
        write_attendees(db, 999_999, io.StringIO())

    env = {**os.environ, "DATABASE_URL": database_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "bot.storage.export", session.key],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    assert list(csv.reader(io.StringIO(run.stdout))) == rows
