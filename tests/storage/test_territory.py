"""Loading the territory file (idempotent, safe for booked places) and the staff CSV export."""

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

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
    assert (session.capacity, session.booked, session.theme) == (
        3,
        2,
        "Les métiers de la logistique",
    )


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
    for expected in ("territory: centres: 2 created", "territory: centres: 0 created, 0 updated"):
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
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert list(csv.reader(io.StringIO(run.stdout))) == rows


def test_a_weekly_series_is_expanded_from_today_and_reloads_add_only_new_weeks(db, tmp_path, now):
    def weekly(data):
        data["cafe_sessions"] = [
            {
                "key": "tilleuls-jeudi",
                "centre": "tilleuls",
                "theme": "Rencontre employeurs",
                "capacity": 12,
                "recurring": {"weekday": "jeudi", "time": "09:30", "weeks": 3},
            }
        ]

    path = _edited(tmp_path, weekly)
    assert load_territory(db, path, now=now).sessions_created == 3  # now: Wednesday 25 November
    keys = db.execute(select(CafeSession.key).order_by(CafeSession.starts_at)).scalars().all()
    assert keys == [
        "tilleuls-jeudi-2026-11-26",
        "tilleuls-jeudi-2026-12-03",
        "tilleuls-jeudi-2026-12-10",
    ]
    again = load_territory(db, path, now=now)
    assert (again.sessions_created, again.sessions_updated) == (0, 0)
    week_later = load_territory(db, path, now=now + timedelta(days=7))
    assert (week_later.sessions_created, week_later.sessions_updated) == (1, 0)
    first = db.execute(select(CafeSession).where(CafeSession.key == keys[0])).scalar_one()
    assert first.starts_at == datetime(2026, 11, 26, 8, 30, tzinfo=timezone.utc)  # Paris winter


def test_a_weekly_series_keeps_paris_time_across_the_clock_change(db, tmp_path):
    def weekly(data):
        data["cafe_sessions"] = [
            {
                "key": "marronniers-samedi",
                "centre": "marronniers",
                "theme": "CV",
                "capacity": 5,
                "recurring": {"weekday": "saturday", "time": "10:00", "weeks": 2},
            }
        ]

    spring = datetime(2027, 3, 22, 12, 0, tzinfo=timezone.utc)  # clocks go forward on 28 March
    load_territory(db, _edited(tmp_path, weekly), now=spring)
    starts = db.execute(select(CafeSession.starts_at).order_by(CafeSession.starts_at)).scalars()
    assert list(starts) == [
        datetime(2027, 3, 27, 9, 0, tzinfo=timezone.utc),
        datetime(2027, 4, 3, 8, 0, tzinfo=timezone.utc),
    ]


@pytest.mark.parametrize(
    "recurring, field, reason",
    [
        ({"weekday": "jeudy", "time": "09:30", "weeks": 4}, "recurring.weekday", "not a weekday"),
        ({"weekday": "jeudi", "time": 570, "weeks": 4}, "recurring.time", "str"),
        ({"weekday": "jeudi", "time": "25:00", "weeks": 4}, "recurring.time", "time of day"),
        ({"weekday": "jeudi", "time": "09:30", "weeks": 0}, "recurring.weeks", "greater"),
        ({"weekday": "jeudi", "time": "09:30"}, "recurring.weeks", "field required"),
    ],
)
def test_a_bad_series_names_the_file_and_the_field(db, tmp_path, now, recurring, field, reason):
    def broken(data):
        data["cafe_sessions"][0].pop("starts_at")
        data["cafe_sessions"][0]["recurring"] = recurring

    path = _edited(tmp_path, broken)
    with pytest.raises(TerritoryError) as error:
        load_territory(db, path, now=now)
    message = str(error.value)
    assert str(path) in message and f"cafe_sessions.0.{field}" in message and reason in message
    assert _count(db, CafeSession) == 0


def test_a_session_is_dated_or_weekly_not_both(db, tmp_path, now):
    def both(data):
        data["cafe_sessions"][0]["recurring"] = {"weekday": "jeudi", "time": "9:30", "weeks": 2}

    with pytest.raises(TerritoryError, match="'cafe_sessions.0': give starts_at .* not both"):
        load_territory(db, _edited(tmp_path, both), now=now)
