"""Two territories served by one deployment, end to end through the running assistant: each
conversation belongs to the territory its channel names (here REST's `metadata.territory` and
the widget's `territory`), and sees only that territory's sessions, bookings, référents,
reception and alerts. The demo territories are `demo` (Val-Fictif, the default) and
`demo-port` (Port-Fictif)."""

import json
import re
import time
import urllib.error
import uuid

import pytest
from sqlalchemy import select

from bot.storage.models import Alert, Booking, CafeSession, ReviewItem
from tests.conftest import buttons, post_json, texts

PORT = "demo-port"
BOOKING_REFERENCE = re.compile(r"CE-[0-9A-Z]{4}-[0-9A-Z]{4}")
ALERT_REFERENCE = re.compile(r"AL-[0-9A-Z]{4}-[0-9A-Z]{4}")


class InTerritory:
    """A resident writing through the REST channel from a territory's site."""

    def __init__(self, assistant, territory=None) -> None:
        self.url = f"{assistant.rasa_url}/webhooks/rest/webhook"
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self.metadata = {"territory": territory} if territory else {}

    def say(self, text: str) -> list:
        body = {"sender": self.sender, "message": text, "metadata": self.metadata}
        status, messages = post_json(self.url, body)
        assert status == 200
        return messages


def said(messages: list) -> str:
    return " ".join(texts(messages))


@pytest.fixture
def db(assistant_db):
    return assistant_db


def _territory_of_sessions(db, offered: list) -> set:
    ids = [int(json.loads(b["payload"][b["payload"].index("{") :])["session_id"]) for b in offered]
    db.rollback()
    rows = db.execute(select(CafeSession).where(CafeSession.id.in_(ids))).scalars()
    return {session.centre.territory for session in rows}


def test_each_territory_offers_its_own_cafe_sessions(assistant, db):
    here = buttons(InTerritory(assistant).say("c quand le prochain cafe emploi"))
    there = buttons(InTerritory(assistant, PORT).say("c quand le prochain cafe emploi"))
    assert here and there
    assert _territory_of_sessions(db, here) == {"demo"}
    assert _territory_of_sessions(db, there) == {PORT}


def test_each_territory_gives_its_own_reception(assistant, kb):
    asked = "je voudrais parler a une vraie personne"
    assert kb.territories["demo"].reception.phone in said(InTerritory(assistant).say(asked))
    port = said(InTerritory(assistant, PORT).say(asked))
    assert kb.territories[PORT].reception.phone in port
    assert kb.territories["demo"].reception.phone not in port


@pytest.mark.parametrize("territory", ["nulle-part", 12, "../demo"])
def test_a_territory_not_served_is_refused(assistant, territory):
    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    body = {"sender": "test-unknown", "message": "bonjour", "metadata": {"territory": territory}}
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_json(url, body)
    assert refused.value.code == 400
    assert b"territoire_inconnu" in refused.value.read()


def test_the_widget_says_its_territory(assistant, kb):
    url = f"{assistant.rasa_url}/webhooks/web/webhook"
    sender = "web-" + uuid.uuid4().hex
    body = {"sender": sender, "message": "je veux parler a quelqu un", "territory": PORT}
    status, messages = post_json(url, body)
    assert status == 200 and kb.territories[PORT].reception.phone in said(messages)
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_json(url, {**body, "territory": "ailleurs"})
    assert refused.value.code == 400


def _book(resident: InTerritory, phone: str) -> str:
    offered = buttons(resident.say("je veux m'inscrire au café emploi"))
    resident.say(offered[0]["payload"])
    resident.say("Samia")
    resident.say(phone)
    return BOOKING_REFERENCE.search(said(resident.say("oui"))).group()


def test_a_booking_of_one_territory_cannot_be_found_from_the_other(assistant, db, kb):
    resident = InTerritory(assistant, PORT)
    reference = _book(resident, "06 39 98 00 71")
    db.rollback()
    booking = db.execute(select(Booking).where(Booking.reference == reference)).scalar_one()
    assert booking.session.centre.territory == PORT

    elsewhere = InTerritory(assistant)
    elsewhere.say("je voudrais annuler mon inscription au cafe emploi")
    refused = said(elsewhere.say(reference))
    assert "Je ne trouve pas" in refused and kb.territories["demo"].reception.phone in refused

    resident.say("je voudrais annuler mon inscription au cafe emploi")
    assert "Vous annulez la place de Samia" in said(resident.say(reference))
    assert "c'est annulé" in said(resident.say("/affirm")).lower()


def test_an_alert_goes_to_its_territorys_referent_and_stays_there(assistant, db, kb):
    resident = InTerritory(assistant, PORT)
    resident.say("j'aimerais que quelqu'un me rappelle pour trouver du travail")
    resident.say("/affirm")
    resident.say("Bintou")
    theme = resident.say("06 39 98 00 72")
    quartier = resident.say(buttons(theme)[0]["payload"])
    assert [b["title"] for b in buttons(quartier)] == ["Le Phare", "Les Dunes", "Autre"]
    resident.say("Les Dunes")
    resident.say("le matin")
    sent = said(resident.say("/affirm"))
    reference = ALERT_REFERENCE.search(sent).group()
    assert kb.territories[PORT].callback_delay in sent
    db.rollback()
    alert = db.execute(select(Alert).where(Alert.reference == reference)).scalar_one()
    assert (alert.territory, alert.referent_name) == (PORT, "Inès Exemple (démo)")

    elsewhere = said(InTerritory(assistant).say(f"ou en est ma demande {reference}"))
    assert "Je ne trouve pas de demande" in elsewhere
    assert "attente" in said(resident.say(f"ou en est ma demande {reference}"))
    # The test leaves nothing for the alert sender of later tests to find.
    for delivery in alert.deliveries:
        db.delete(delivery)
    db.delete(alert)
    db.commit()


def test_a_misunderstood_message_reaches_its_territorys_inbox(assistant, db):
    gibberish = f"zorglub {uuid.uuid4().hex[:6]} blurp"
    InTerritory(assistant, PORT).say(gibberish)
    deadline = time.monotonic() + 20
    items = []
    while not items and time.monotonic() < deadline:
        db.rollback()
        items = db.execute(select(ReviewItem).where(ReviewItem.text == gibberish)).scalars().all()
        time.sleep(0.2)
    assert [item.territory for item in items] == [PORT]
