"""'C'est où ?' through the running assistant: the local services of the conversation's territory
(imported at start from knowledge/offer/<territory>.json), for the dispositif named or in
context; the territory's reception when none fits; the theme menu when nothing says which help.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from bot.french_dates import paris_today
from bot.offer.query import services_for
from bot.storage.database import make_engine, session_factory
from bot.storage.models import utc_now
from bot.texts import text
from tests.conftest import buttons, payloads, texts
from tests.test_territories import PORT, InTerritory, said

ROOT = Path(__file__).resolve().parents[1]
PERMIS = "c'est où pour le permis ?"


def export_names(territory: str) -> set:
    """The names of the services of the territory's demo export."""
    export = json.loads((ROOT / "knowledge" / "offer" / f"{territory}.json").read_text("utf-8"))
    return {service["nom"] for service in export["services"]["items"]}


def expected(assistant, kb, territory: str, fiche: str) -> list:
    """The services the assistant should show today, read from the database it serves."""
    engine = make_engine(assistant.database_url)
    try:
        with session_factory(engine)() as db:
            today: date = paris_today(utc_now())
            return services_for(db, territory, kb.fiche(fiche).thematiques, today, limit=3)
    finally:
        engine.dispose()


def offer_payload(messages: list) -> dict:
    [payload] = [p["local_offer"] for p in payloads(messages) if "local_offer" in p]
    return payload


@pytest.mark.parametrize("territory", ["demo", PORT])
def test_where_for_the_permit_lists_the_territory_services_with_today_hours(
    assistant, kb, territory
):
    messages = InTerritory(assistant, territory).say(PERMIS)
    offers = expected(assistant, kb, territory, "aides-mobilite")
    assert offers, "the demo export has permit services in each territory"
    shown = texts(messages)
    # An intro, then one text per service, in the query's order, each with today's hours.
    assert shown[1:] == [offer.web_text() for offer in offers]
    for offer, service_text in zip(offers, shown[1:]):
        assert offer.name in service_text
        assert offer.hours[1:] in service_text  # "ouvert aujourd'hui…" or "horaires : voir…"
        assert "Informations du" in service_text
    payload = offer_payload(messages)
    assert payload["fiche"] == "aides-mobilite" and payload["territory"] == territory
    assert [s["name"] for s in payload["services"]] == [o.name for o in offers]
    assert [s["updated"] for s in payload["services"]] == [o.date_maj.isoformat() for o in offers]
    # Only this territory's services: every name is one of its own export's, none of the other's.
    other = PORT if territory == "demo" else "demo"
    names = {s["name"] for s in payload["services"]}
    assert names <= export_names(territory)
    assert not names & export_names(other)


def test_a_follow_up_where_uses_the_fiche_discussed(assistant, kb):
    resident = InTerritory(assistant, PORT)
    answer = resident.say("c koi les cours de francais pour adultes")
    assert any(p.get("fiche") == "francais" for p in payloads(answer))
    # The knowledge answer offers the way to the local services of the fiche.
    where = {"title": text("offer.ask_where"), "payload": '/ask_where{"dispositif": "francais"}'}
    assert where in [{"title": b["title"], "payload": b["payload"]} for b in buttons(answer)]
    messages = resident.say("c'est où ?")
    payload = offer_payload(messages)
    assert payload["fiche"] == "francais" and payload["territory"] == PORT
    offers = expected(assistant, kb, PORT, "francais")
    assert [s["name"] for s in payload["services"]] == [o.name for o in offers]


def test_the_button_after_an_answer_lists_the_services(assistant, kb):
    messages = InTerritory(assistant).say('/ask_where{"dispositif": "garde-enfants"}')
    offers = expected(assistant, kb, "demo", "garde-enfants")
    assert offers
    assert [s["name"] for s in offer_payload(messages)["services"]] == [o.name for o in offers]


@pytest.mark.parametrize("territory", ["demo", PORT])
def test_no_local_service_for_the_fiche_gives_the_territory_reception(assistant, kb, territory):
    # No service of either demo export has the thematiques of aides-financieres.
    assert expected(assistant, kb, territory, "aides-financieres") == []
    messages = InTerritory(assistant, territory).say(
        '/ask_where{"dispositif": "aides-financieres"}'
    )
    reception = kb.territories[territory].reception
    answer = said(messages)
    assert reception.phone in answer and reception.address in answer
    assert not any("local_offer" in p for p in payloads(messages))
    other = kb.territories[PORT if territory == "demo" else "demo"].reception
    assert other.phone not in answer


def test_where_without_any_help_named_asks_which_with_the_theme_menu(assistant):
    messages = InTerritory(assistant).say("c'est où ?")
    assert not any("local_offer" in p for p in payloads(messages))
    assert any(b["payload"].startswith("/choose_theme") for b in buttons(messages))
