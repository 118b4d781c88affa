"""The café emploi actions on a real SQLite database, with rasa_sdk's own Tracker built as the
Rasa server sends it during a form (slot candidates after the form's ActionExecuted); one test
drives the real action server over HTTP. The conversation itself is in
test_booking_conversation.py."""

import asyncio
import logging
import os
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from bot.actions.booking import (
    ActionAskBookingSessionId,
    ActionBookCafe,
    ActionManageBooking,
    ActionShowCafeSessions,
    ValidateBookingForm,
    ValidateManageBookingForm,
)
from bot.french_dates import PARIS
from bot.settings import DEMO_SMS_HASH_KEY
from bot.storage.booking import book, cancel
from bot.storage.database import ROOT, make_engine, migrate, session_factory
from bot.storage.models import Booking, CafeSession, Outbox
from bot.storage.phone import number_hash
from bot.storage.territory import load_territory
from tests.conftest import free_port, post_json

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
FIXTURE = ROOT / "tests" / "fixtures" / "territory.yml"
PHONE = "06 39 98 00 11"


# --- a real database with sessions around the real present -----------------------------------


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A migrated SQLite file with a past, an open, a full and a later session; the actions
    find it through DATABASE_URL, as the action server does."""
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    migrate(url)
    paris = datetime.now(timezone.utc).astimezone(PARIS)

    def at(days: int, hour: int) -> str:
        moment = paris + timedelta(days=days)
        return moment.replace(hour=hour, minute=30, second=0, microsecond=0).isoformat()

    territory = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    territory["cafe_sessions"] = [
        {
            "key": "past",
            "centre": "tilleuls",
            "starts_at": at(-1, 9),
            "theme": "CV",
            "capacity": 10,
        },
        {"key": "open", "centre": "tilleuls", "starts_at": at(2, 9), "theme": "CV", "capacity": 10},
        {
            "key": "full",
            "centre": "marronniers",
            "starts_at": at(3, 14),
            "theme": "Logistique",
            "capacity": 1,
        },
        {
            "key": "later",
            "centre": "tilleuls",
            "starts_at": at(9, 9),
            "theme": "CV",
            "capacity": 10,
        },
    ]
    # Named as the default territory: the actions' conversations (no territory said) are its.
    path = tmp_path / "demo.yml"
    path.write_text(yaml.safe_dump(territory, allow_unicode=True), encoding="utf-8")
    engine = make_engine(url)
    db = session_factory(engine)()
    load_territory(db, path)
    sessions = {s.key: s for s in db.execute(select(CafeSession)).scalars()}
    book(db, sessions["full"].id, "Sam", "06 39 98 00 99", "sms")
    yield db, sessions
    db.close()
    engine.dispose()


def fresh(db):
    """End the test's read transaction and forget what it read: the actions wrote through
    their own connections."""
    db.rollback()
    db.expire_all()
    return db


def bookings(db) -> list:
    fresh(db)
    return list(db.execute(select(Booking).order_by(Booking.id)).scalars())


# --- trackers as the Rasa server sends them ---------------------------------------------------


def tracker(
    text="...",
    intent="nlu_fallback",
    entities=(),
    slots=None,
    form=None,
    requested=None,
    candidates=None,
    message_id="m-1",
    channel="rest",
    sender="resident-1",
) -> Tracker:
    candidates = candidates or {}
    slots = {**(slots or {}), "requested_slot": requested, **candidates}
    events = [
        {
            "event": "user",
            "text": text,
            "input_channel": channel,
            "message_id": message_id,
            "parse_data": {"intent": {"name": intent}, "entities": list(entities)},
        }
    ]
    if form:
        events += [
            {"event": "slot", "name": "requested_slot", "value": requested},
            {"event": "action", "name": form},
        ]
        events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": list(entities),
        "text": text,
        "message_id": message_id,
    }
    loop = {"name": form} if form else {}
    return Tracker(sender, slots, latest, events, False, None, loop, "action_listen")


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, DOMAIN))
    return dispatcher.messages, events


def slot_values(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def responses(messages) -> list:
    return [m.get("response") for m in messages]


def choose(session, intent="choose_session", form="booking_form", slots=None):
    entities = [{"entity": "session_id", "value": str(session.id)}]
    payload = f'/{intent}{{"session_id": "{session.id}"}}'
    return tracker(
        payload, intent, entities, slots=slots, form=form, requested="booking_session_id"
    )


def ask_session(form="booking_form", slots=None):
    return run(
        ActionAskBookingSessionId(), tracker(form=form, requested="booking_session_id", slots=slots)
    )


# --- booking form: what residents type -------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("mon num c 06.39.98.00.11", "+33639980011"),
        ("01 99 00 12 34", "+33199001234"),
    ],
)
def test_phone_formats_are_accepted_and_normalised(database, typed, stored):
    _, events = run(
        ValidateBookingForm(),
        tracker(
            typed,
            form="booking_form",
            requested="booking_phone",
            candidates={"booking_phone": typed},
        ),
    )
    assert slot_values(events)["booking_phone"] == stored


@pytest.mark.parametrize("typed", ["12345", "j'ai pas de portable", "06 12 34", "+44 20 7946 0958"])
def test_something_that_is_not_a_french_phone_is_refused_in_french(database, typed):
    messages, events = run(
        ValidateBookingForm(),
        tracker(
            typed,
            form="booking_form",
            requested="booking_phone",
            candidates={"booking_phone": typed},
        ),
    )
    assert slot_values(events)["booking_phone"] is None
    assert responses(messages) == ["utter_phone_invalid"]
    assert "n'est pas valide" in DOMAIN["responses"]["utter_phone_invalid"][0]["text"]


def test_by_sms_the_phone_must_be_the_phone_writing(database):
    """Reminders of an SMS booking go by SMS to the number given: only the sender's own."""
    typed = "06 39 98 00 11"
    by_sms_from = {"channel": "sms", "sender": number_hash(DEMO_SMS_HASH_KEY, "+33639980099")}
    messages, events = run(
        ValidateBookingForm(),
        tracker(
            typed,
            form="booking_form",
            requested="booking_phone",
            candidates={"booking_phone": typed},
            **by_sms_from,
        ),
    )
    assert slot_values(events)["booking_phone"] is None
    assert responses(messages) == ["utter_phone_not_this_phone"]
    by_sms_from["sender"] = number_hash(DEMO_SMS_HASH_KEY, "+33639980011")
    _, events = run(
        ValidateBookingForm(),
        tracker(
            typed,
            form="booking_form",
            requested="booking_phone",
            candidates={"booking_phone": typed},
            **by_sms_from,
        ),
    )
    assert slot_values(events)["booking_phone"] == "+33639980011"


def test_first_name_is_read_from_how_people_write_it(database):
    _, events = run(
        ValidateBookingForm(),
        tracker(
            "moi c'est awa",
            form="booking_form",
            requested="booking_first_name",
            candidates={"booking_first_name": "moi c'est awa"},
        ),
    )
    assert slot_values(events)["booking_first_name"] == "Awa"
    messages, events = run(
        ValidateBookingForm(),
        tracker(
            "jsp quoi mettre",
            form="booking_form",
            requested="booking_first_name",
            candidates={"booking_first_name": "jsp quoi mettre ?"},
        ),
    )
    assert slot_values(events)["booking_first_name"] is None
    assert responses(messages) == ["utter_first_name_invalid"]


def test_a_session_button_with_a_place_is_taken(database):
    _, sessions = database
    _, events = run(ValidateBookingForm(), choose(sessions["open"]))
    values = slot_values(events)
    assert values["booking_session_id"] == str(sessions["open"].id)
    assert values["booking_waiting_list"] is False


def test_the_session_is_read_from_the_message_that_opens_the_form(database):
    _, sessions = database
    day = sessions["later"].starts_at.astimezone(PARIS)
    text = f"je veux m'inscrire le {day.day}/{day.month}"
    messages, events = run(ValidateBookingForm(), tracker(text, "book_cafe", form="booking_form"))
    assert slot_values(events)["booking_session_id"] == str(sessions["later"].id)
    assert responses(messages) == ["utter_session_chosen"]  # typed, so the bot says which one
    assert messages[0]["centre_name"] == "Centre social des Tilleuls (démo)"


def test_a_past_session_is_refused_and_the_question_says_why(database):
    db, sessions = database
    _, events = run(ValidateBookingForm(), choose(sessions["past"]))
    values = slot_values(events)
    assert values["booking_session_id"] is None
    assert values["booking_session_problem"] == {"problem": "past"}
    messages, events = ask_session(slots=values)
    assert responses(messages) == ["utter_session_past", "utter_choose_session"]
    offered = [b["payload"] for b in messages[1]["buttons"]]
    assert offered == [
        f'/choose_session{{"session_id": "{sessions[k].id}"}}' for k in ("open", "later")
    ]
    assert slot_values(events) == {"booking_session_problem": None}
    assert len(bookings(db)) == 1  # the fixture's own


def test_a_full_session_offers_the_next_one_and_its_waiting_list(database):
    db, sessions = database
    _, events = run(ValidateBookingForm(), choose(sessions["full"]))
    values = slot_values(events)
    assert values["booking_session_id"] is None
    messages, _ = ask_session(slots=values)
    assert responses(messages) == ["utter_session_full"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/choose_session{{"session_id": "{sessions["later"].id}"}}',
        f'/join_waiting_list{{"session_id": "{sessions["full"].id}"}}',
    ]
    assert messages[0]["buttons"][1]["title"].startswith("Liste d'attente du ")
    _, events = run(ValidateBookingForm(), choose(sessions["full"], intent="join_waiting_list"))
    values = slot_values(events)
    assert values["booking_session_id"] == str(sessions["full"].id)
    assert values["booking_waiting_list"] is True


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("le 31/02", {"problem": "impossible", "written": "31/02"}),
        ("le 32", {"problem": "impossible", "written": "le 32"}),
        ("bof je sais pas", {"problem": "not_understood"}),
    ],
)
def test_a_date_that_cannot_be_booked_gets_a_clear_answer(database, typed, problem):
    _, events = run(
        ValidateBookingForm(), tracker(typed, form="booking_form", requested="booking_session_id")
    )
    values = slot_values(events)
    assert values["booking_session_id"] is None and values["booking_session_problem"] == problem
    messages, _ = ask_session(slots=values)
    if problem["problem"] == "impossible":
        assert messages[0]["response"] == "utter_date_impossible"
        assert messages[0]["written"] == problem["written"]


def test_stop_is_left_to_the_rules(database):
    _, events = run(
        ValidateBookingForm(),
        tracker("laisse tomber", "stop", form="booking_form", requested="booking_session_id"),
    )
    assert slot_values(events) == {}  # nothing extracted: the form rejects, the stop rule runs


@pytest.mark.parametrize(
    "typed, intent, expected",
    [
        ("/affirm", "affirm", True),
        ("non", "out_of_scope", False),
        ("nan", "deny", False),
        ("oui ça me va", "nlu_fallback", True),
        ("pourquoi ?", "nlu_fallback", None),
    ],
)
def test_consent_is_a_yes_or_a_no(database, typed, intent, expected):
    messages, events = run(
        ValidateBookingForm(),
        tracker(typed, intent, form="booking_form", requested="booking_consent"),
    )
    assert slot_values(events)["booking_consent"] is expected
    assert responses(messages) == ([] if expected is not None else ["utter_yes_or_no"])


def test_the_slots_emptied_before_the_form_are_not_answers(database):
    """At activation Rasa hands over every slot set since the message, the reset's None too."""
    emptied = dict.fromkeys(
        ("booking_session_id", "booking_first_name", "booking_phone", "booking_consent")
    )
    messages, events = run(
        ValidateBookingForm(),
        tracker(
            "c bon je veux m'inscrire maintenant",
            "book_cafe",
            form="booking_form",
            candidates=emptied,
        ),
    )
    assert messages == []
    assert all(value is None for value in slot_values(events).values())


# --- submitting ---------------------------------------------------------------------------------


def booking_slots(session, consent=True, **extra) -> dict:
    return {
        "booking_session_id": str(session.id),
        "booking_first_name": "Awa",
        "booking_phone": "+33639980011",
        "booking_consent": consent,
        **extra,
    }


def test_booking_confirms_with_reference_date_and_address_and_books_once(database):
    db, sessions = database
    session = sessions["open"]
    submit = tracker("oui", "affirm", slots=booking_slots(session), message_id="msg-42")
    messages, events = run(ActionBookCafe(), submit)
    [row] = [b for b in bookings(db) if b.session_id == session.id]
    assert (row.first_name, row.phone, row.channel, row.status) == (
        "Awa",
        "+33639980011",
        "rest",
        "confirmed",
    )
    confirmation = messages[0]
    assert confirmation["response"] == "utter_booking_confirmed"
    assert confirmation["reference"] == row.reference
    assert confirmation["centre_address"] == "12 rue des Exemples, 99000 Val-Fictif"
    assert confirmation["when"].endswith("à 9 h 30")
    assert all(value is None for value in slot_values(events).values())  # nothing kept

    again, _ = run(ActionBookCafe(), submit)  # the same request replayed
    assert again[0]["reference"] == row.reference
    assert len([b for b in bookings(db) if b.session_id == session.id]) == 1


def test_the_booking_channel_is_the_channel_of_the_conversation(database):
    db, sessions = database
    run(
        ActionBookCafe(),
        tracker("oui", "affirm", slots=booking_slots(sessions["later"]), channel="socketio"),
    )
    assert bookings(db)[-1].channel == "socketio"


def test_refusing_consent_stores_nothing(database):
    db, sessions = database
    before = len(bookings(db))
    messages, events = run(
        ActionBookCafe(),
        tracker("non", "deny", slots=booking_slots(sessions["open"], consent=False)),
    )
    assert responses(messages) == ["utter_booking_not_kept"]
    assert len(bookings(db)) == before
    assert all(value is None for value in slot_values(events).values())


def test_waiting_list_entry_then_the_freed_place_goes_to_it(database):
    db, sessions = database
    session = sessions["full"]
    messages, _ = run(
        ActionBookCafe(),
        tracker("oui", "affirm", slots=booking_slots(session, booking_waiting_list=True)),
    )
    assert messages[0]["response"] == "utter_waiting_list_joined"
    waiting = bookings(db)[-1]
    assert waiting.status == "waiting"
    holder = next(b for b in bookings(db) if b.session_id == session.id and b.first_name == "Sam")
    run(
        ActionManageBooking(),
        tracker(
            "oui",
            "affirm",
            slots={
                "booking_goal": "cancel",
                "booking_reference": holder.reference,
                "booking_cancel_confirmed": True,
            },
        ),
    )
    fresh(db)
    assert db.get(Booking, waiting.id).status == "confirmed"
    kinds = {
        m.kind for m in db.execute(select(Outbox).where(Outbox.booking_id == waiting.id)).scalars()
    }
    assert kinds == {"waitlist_promoted", "reminder"}


def test_the_same_phone_cannot_book_the_same_session_twice(database):
    db, sessions = database
    run(
        ActionBookCafe(),
        tracker("oui", "affirm", slots=booking_slots(sessions["open"]), message_id="first"),
    )
    messages, _ = run(
        ActionBookCafe(),
        tracker("oui", "affirm", slots=booking_slots(sessions["open"]), message_id="second"),
    )
    assert responses(messages) == ["utter_already_booked"]
    assert len([b for b in bookings(db) if b.session_id == sessions["open"].id]) == 1


# --- changing and cancelling ------------------------------------------------------------------


def manage(text, goal="cancel", channel="rest", sender="resident-1", **slots):
    return tracker(
        text,
        form="manage_booking_form",
        requested="booking_reference",
        slots={"booking_goal": goal, **slots},
        candidates={"booking_reference": text},
        channel=channel,
        sender=sender,
    )


def test_an_unknown_reference_gets_the_same_answer_as_any_failed_look_up(database):
    messages, events = run(ValidateManageBookingForm(), manage("ma ref c CE-ZZZ9-ZZZ9"))
    assert slot_values(events)["booking_reference"] is None
    assert responses(messages) == ["utter_booking_not_found"]
    assert "reference" not in messages[0]  # the answer says nothing of what was typed


def test_neither_a_reference_nor_a_phone_is_said_so(database):
    messages, _ = run(ValidateManageBookingForm(), manage("euh je sais plus"))
    assert responses(messages) == ["utter_reference_not_understood"]


def test_a_booking_is_found_by_reference_or_by_phone_from_that_phone_by_sms(database):
    db, sessions = database
    booking = book(db, sessions["open"].id, "Awa", PHONE, "sms")
    own_sms = {"channel": "sms", "sender": number_hash(DEMO_SMS_HASH_KEY, booking.phone)}
    for typed, where in (
        (booking.reference.lower().replace("-", " "), {}),
        ("c'est le 06 39 98 00 11", own_sms),
    ):
        _, events = run(ValidateManageBookingForm(), manage(typed, **where))
        values = slot_values(events)
        assert values["booking_reference"] == booking.reference
        assert values["requested_slot"] == "booking_cancel_confirmed"
    _, events = run(ValidateManageBookingForm(), manage(booking.reference, goal="change"))
    assert slot_values(events)["requested_slot"] == "booking_session_id"


def test_a_phone_number_typed_elsewhere_finds_nothing_and_reveals_nothing(database):
    """Over the web or REST anyone can type anyone's number; by SMS, another sender's too."""
    db, sessions = database
    book(db, sessions["open"].id, "Awa", PHONE, "rest")
    for where in (
        {"channel": "rest"},
        {"channel": "web"},
        {"channel": "sms", "sender": number_hash(DEMO_SMS_HASH_KEY, "+33639980099")},
    ):
        messages, events = run(ValidateManageBookingForm(), manage("06 39 98 00 11", **where))
        assert slot_values(events)["booking_reference"] is None
        assert responses(messages) == ["utter_booking_phone_needs_reference"], where
        assert "Awa" not in str(messages)


def test_a_cancelled_or_past_booking_gets_the_same_not_found(database):
    db, sessions = database
    booking = book(db, sessions["open"].id, "Awa", PHONE, "rest")
    cancel(db, reference=booking.reference)
    messages, _ = run(ValidateManageBookingForm(), manage(booking.reference))
    assert responses(messages) == ["utter_booking_not_found"]


def test_failed_look_ups_are_limited_per_conversation_then_the_reception(database):
    form = ValidateManageBookingForm()
    for attempt in range(5):
        messages, _ = run(form, manage(f"CE-ZZZ{attempt + 2}-ZZZ9", sender="guesser"))
        assert responses(messages) == ["utter_booking_not_found"]
    messages, events = run(form, manage("CE-ZZZ8-ZZZ9", sender="guesser"))
    assert responses(messages) == ["utter_booking_lookup_blocked"]
    assert slot_values(events)["requested_slot"] is None  # the form is left
    # Another conversation still looks up.
    messages, _ = run(form, manage("CE-ZZZ8-ZZZ9", sender="someone-else"))
    assert responses(messages) == ["utter_booking_not_found"]


def test_change_moves_the_booking_and_cancel_frees_it(database):
    db, sessions = database
    booking = book(db, sessions["open"].id, "Awa", PHONE, "rest")
    messages, _ = run(
        ActionManageBooking(),
        tracker(
            "/choose_session",
            slots={
                "booking_goal": "change",
                "booking_reference": booking.reference,
                "booking_session_id": str(sessions["later"].id),
            },
        ),
    )
    assert messages[0]["response"] == "utter_booking_changed"
    assert messages[0]["reference"] == booking.reference
    fresh(db)
    assert db.get(Booking, booking.id).session_id == sessions["later"].id

    messages, _ = run(
        ActionManageBooking(),
        tracker(
            "non",
            "deny",
            slots={
                "booking_goal": "cancel",
                "booking_reference": booking.reference,
                "booking_cancel_confirmed": False,
            },
        ),
    )
    assert responses(messages) == ["utter_booking_kept"]
    messages, _ = run(
        ActionManageBooking(),
        tracker(
            "oui",
            "affirm",
            slots={
                "booking_goal": "cancel",
                "booking_reference": booking.reference,
                "booking_cancel_confirmed": True,
            },
        ),
    )
    assert responses(messages) == ["utter_booking_cancelled"]
    fresh(db)
    assert db.get(Booking, booking.id).status == "cancelled"


def test_changing_to_the_same_session_is_refused(database):
    db, sessions = database
    booking = book(db, sessions["open"].id, "Awa", PHONE, "rest")
    _, events = run(
        ValidateManageBookingForm(),
        choose(
            sessions["open"],
            form="manage_booking_form",
            slots={"booking_goal": "change", "booking_reference": booking.reference},
        ),
    )
    assert slot_values(events)["booking_session_problem"] == {"problem": "same_session"}


# --- the database is down ------------------------------------------------------------------------


def test_a_database_that_is_down_gets_a_polite_answer_and_a_log_line(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    with caplog.at_level(logging.ERROR, logger="bot.actions.booking_db"):
        messages, events = run(ActionShowCafeSessions(), tracker("c quand", "ask_cafe_sessions"))
    assert responses(messages) == ["utter_booking_unavailable"]
    assert messages[0]["reception_phone"]
    assert "booking database unavailable" in caplog.text
    button = tracker(
        '/choose_session{"session_id": "7"}',
        "choose_session",
        [{"entity": "session_id", "value": "7"}],
        form="booking_form",
        requested="booking_session_id",
    )
    messages, events = run(ValidateBookingForm(), button)
    assert responses(messages) == ["utter_booking_unavailable"]
    assert slot_values(events)["requested_slot"] is None  # the form is left


# --- the real action server over HTTP ---------------------------------------------------------


def test_the_action_server_lists_sessions_over_http(database, tmp_path):
    _, sessions = database
    port = free_port()
    token = "test-token-of-this-run-0123456789"
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "ACTION_SERVER_TOKEN": token}
    log = open(tmp_path / "action-server.log", "wb")  # noqa: SIM115 (the server's whole life)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.action_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no action server"
                time.sleep(0.5)
        request = {
            "next_action": "action_show_cafe_sessions",
            "sender_id": "resident-http",
            "tracker": tracker("c quand le prochain", "ask_cafe_sessions").current_state(),
            "domain": DOMAIN,
        }
        status, answer = post_json(
            f"http://127.0.0.1:{port}/webhook",
            request,
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert status == 200
    [message] = answer["responses"]
    assert message["response"] == "utter_cafe_sessions"
    assert [b["payload"] for b in message["buttons"]] == [
        f'/choose_session{{"session_id": "{sessions[k].id}"}}' for k in ("open", "later")
    ]


# --- start-up ---------------------------------------------------------------------------------


def test_start_up_migrates_and_loads_the_demo_territory_once(tmp_path):
    from bot.launcher import Assistant

    assistant = Assistant(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    first = assistant.prepare_database()
    assert set(first) == {"demo", "demo-port"}  # every territory served
    demo = first["demo"]
    assert demo.territory.centres_created >= 2 and demo.territory.sessions_created >= 16
    assert first["demo-port"].territory.centres_created >= 2
    # Each territory's local offer (knowledge/offer/<territory>.json) comes with it.
    assert demo.offer is not None and demo.offer.count("service", "created") >= 5
    for again in assistant.prepare_database().values():
        loaded = again.territory
        assert (loaded.centres_created, loaded.sessions_created, loaded.sessions_updated) == (
            0,
            0,
            0,
        )
        assert again.offer is not None
        assert (
            again.offer.count("service", "created") + again.offer.count("service", "updated") == 0
        )
