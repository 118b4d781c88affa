"""Booking a café emploi place end to end: the trained model on the running Rasa server, the
action server, the REST channel, and the assistant's own database (the demo territory loaded by
the launcher), checked after every step. Buttons are clicked by sending their payload, as a
channel does; everything else is typed the way residents type."""

import json
import re

import pytest
from sqlalchemy import select

from bot.storage.models import Booking
from tests.conftest import buttons, texts

REFERENCE = re.compile(r"CE-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def db(assistant_db):
    return assistant_db


def bookings_of(db, phone: str) -> list:
    db.rollback()
    db.expire_all()
    return list(db.execute(select(Booking).where(Booking.phone == phone)).scalars())


def session_of(button: dict) -> int:
    payload = button["payload"]
    return int(json.loads(payload[payload.index("{") :])["session_id"])


def said(messages: list) -> str:
    return " ".join(texts(messages))


def sessions_offered(messages: list) -> list:
    return [b for b in buttons(messages) if b["payload"].startswith("/choose_session")]


def test_book_then_change_then_cancel_a_place(conversation, db):
    phone = "+33639980021"

    offered = sessions_offered(
        conversation.say("bonjour, je voudrais m inscrire au cafe emploi svp")
    )
    assert len(offered) >= 2
    first, second = offered[0], offered[1]
    assert "prénom" in said(conversation.say(first["payload"]))
    assert "téléphone" in said(conversation.say("c'est Awa"))
    consent = conversation.say("06 39 98 00 21")
    assert "jusqu'au café emploi" in said(consent)
    assert [b["payload"] for b in buttons(consent)] == ["/affirm", "/deny"]
    confirmation = said(conversation.say("oui ça me va"))
    reference = REFERENCE.search(confirmation).group()
    [booking] = bookings_of(db, phone)
    assert "Awa" in confirmation and booking.session.centre.address in confirmation
    assert re.search(
        r"du (lundi|mardi|mercredi|jeudi|vendredi|samedi) \d+(er)? \w+ à \d+ h", confirmation
    )
    assert (booking.reference, booking.session_id, booking.status, booking.channel) == (
        reference,
        session_of(first),
        "confirmed",
        "rest",
    )

    assert "référence" in said(conversation.say("je voudrais changer de date pour mon inscription"))
    new_dates = sessions_offered(conversation.say(reference.lower()))
    assert session_of(first) not in [session_of(b) for b in new_dates]
    changed = said(conversation.say(second["payload"]))
    assert "C'est changé" in changed and reference in changed
    [booking] = bookings_of(db, phone)
    assert (booking.reference, booking.session_id, booking.status) == (
        reference,
        session_of(second),
        "confirmed",
    )

    conversation.say("finalement je pourrai pas venir du tout")
    question = conversation.say(reference.replace("-", " ").lower())
    assert "Vous annulez la place de Awa" in said(question)
    assert "annulé" in said(conversation.say("/affirm"))
    [booking] = bookings_of(db, phone)
    assert booking.status == "cancelled"


def test_laisse_tomber_leaves_the_form_and_one_can_come_back(conversation):
    offered = sessions_offered(conversation.say("jveux reserver pour le prochain cafe emploi"))
    assert "prénom" in said(conversation.say(offered[0]["payload"]))
    assert "rien gardé" in said(conversation.say("bon laisse tomber"))
    again = conversation.say("c bon je veux m'inscrire maintenant")
    assert sessions_offered(again) and "prénom" not in said(again)  # a fresh start
    assert "prénom" in said(conversation.say(sessions_offered(again)[1]["payload"]))


def test_refusing_consent_stores_nothing(conversation, db):
    offered = sessions_offered(conversation.say("je veux une place au café emploi stp"))
    conversation.say(offered[0]["payload"])
    conversation.say("Yanis")
    conversation.say("0639980022")
    assert "rien gardé" in said(conversation.say("nan jveux pas qu'on garde mon numero"))
    assert bookings_of(db, "+33639980022") == []


def test_asking_for_the_dates_lists_the_next_sessions_with_places(conversation):
    messages = conversation.say("c'est quand le prochain cafe emploi svp")
    assert len(sessions_offered(messages)) >= 2
