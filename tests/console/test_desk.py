"""The reception desk (/accueil) end to end: a staff member signs in to the console, which asks the
real Rasa and action servers over HTTP; fiches go out by SMS to the local imitation of Twilio."""

import json
import logging
import re
import time
import urllib.request

import pytest
from markupsafe import escape
from sqlalchemy import select, text

from bot.gsm7 import to_sms_text
from bot.storage.database import make_engine
from bot.storage.models import SENT, SmsOptOut, SmsOutbound, utc_now
from bot.storage.phone import french_mobile, number_hash
from bot.transports.sms_config import SmsConfig
from tests.channels.sms_support import OPERATOR_NUMBER, SMS_ENV, fake_operator  # noqa: F401
from tests.console.conftest import STAFF_EMAIL, csrf_of, form_token, sign_in

pytestmark = pytest.mark.anyio

# Written as a parent at the desk would say it (not a training or held-out example).
QUESTION = (
    "Ma fille a 18 ans, elle a quitté le lycée et ne fait rien. On m'a parlé d'un contrat "
    "pour les jeunes avec un conseiller et un peu d'argent chaque mois, c'est quoi ?"
)
FICHE = "cej"
ASSISTED_LOG = re.compile(
    r"assisted conversation (accueil-[0-9a-f]{16}): desk message from staff account \d+$"
)


@pytest.fixture
def settings(settings, assistant, fake_operator):
    """The console's settings, talking to the real Rasa server and to the fake operator."""
    settings.rasa_url = assistant.rasa_url
    settings.sms = SmsConfig.from_sources(
        environ={**SMS_ENV, "SMS_API_BASE": fake_operator.base_url}
    )
    return settings


async def _ask(client, message: str, token: str):
    return await client.post("/accueil", data={"message": message, "csrf_token": token})


async def _cej_page(client) -> str:
    """A staff member asks the question; the answer page."""
    await sign_in(client, STAFF_EMAIL)
    response = await _ask(client, QUESTION, await form_token(client, "/accueil"))
    assert response.status == 200
    return await response.text()


def _outbox(db):
    db.rollback()  # a fresh snapshot: the console wrote through its own engine
    return db.execute(select(SmsOutbound)).scalars().all()


def _desk_senders(caplog):
    return [m.group(1) for r in caplog.records if (m := ASSISTED_LOG.match(r.getMessage()))]


def _bot_turns(database_url: str, conversations: int, timeout: float = 30):
    engine = make_engine(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT channel, fiche FROM bot_turn WHERE channel = 'accueil'")
                ).all()
            if len(rows) >= conversations or time.monotonic() > deadline:
                return rows
            time.sleep(0.3)
    finally:
        engine.dispose()


async def test_the_desk_is_for_signed_in_staff_only(client):
    response = await client.get("/accueil", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/connexion?suivant=/accueil"
    token = await form_token(client, "/connexion")  # a session, not signed in
    for path, data in (
        ("/accueil", {"message": "bonjour"}),
        ("/accueil/sms", {"fiche": FICHE, "telephone": "06 39 98 00 10", "consentement": "oui"}),
        ("/accueil/nouvelle", {}),
    ):
        refused = await client.post(path, data={**data, "csrf_token": token})
        assert refused.status == 403, path

    token = await sign_in(client, STAFF_EMAIL)
    page = await client.get("/accueil")
    html = await page.text()
    assert page.status == 200 and '<html lang="fr">' in html
    assert '<label for="message">' in html and "Nouvelle personne" in html
    assert (await client.post("/accueil", data={"message": "bonjour"})).status == 403  # no CSRF
    empty = await _ask(client, "   ", token)
    assert empty.status == 400 and "Écrivez la question" in await empty.text()


async def test_a_resident_question_shows_the_whole_fiche_and_is_marked_assisted(
    client, kb, assistant, caplog
):
    caplog.set_level(logging.INFO, logger="console.desk")
    html = await _cej_page(client)
    fiche = kb.fiche(FICHE)
    assert f"Fiche : {escape(fiche.title)}" in html
    assert "Qui peut en bénéficier" in html and str(escape(fiche.eligibility)) in html
    assert "Documents à apporter" in html
    assert all(f"<li>{escape(document)}</li>" in html for document in fiche.documents)
    assert str(escape(fiche.contact)) in html and str(escape(fiche.answer)) in html
    for source in fiche.sources:
        assert f'href="{source.url}"' in html
        assert f"vérifiée le {source.verified.strftime('%d/%m/%Y')}" in html
    assert "Envoyer par SMS" in html and f'name="fiche" value="{FICHE}"' in html
    assert '<input type="hidden" name="message" value="/' in html  # the bot's buttons, as forms

    # One log line per desk message, with the staff account and never the text.
    senders = _desk_senders(caplog)
    assert len(senders) == 1
    assert not any("quitté le lycée" in r.getMessage() for r in caplog.records)
    # The message reached the tracker with the desk's metadata...
    tracker_url = f"{assistant.rasa_url}/conversations/{senders[0]}/tracker"
    with urllib.request.urlopen(tracker_url, timeout=30) as answer:
        events = json.loads(answer.read().decode("utf-8"))["events"]
    user_events = [e for e in events if e["event"] == "user"]
    assert user_events[-1]["text"] == QUESTION
    assert user_events[-1]["metadata"]["assisted"] is True
    # ...and the dashboard counts the answer on the "accueil" channel.
    assert ("accueil", FICHE) in _bot_turns(assistant.database_url, 1)


async def test_new_person_starts_another_conversation(client, caplog):
    caplog.set_level(logging.INFO, logger="console.desk")
    token = await sign_in(client, STAFF_EMAIL)
    assert (await _ask(client, "bonjour", token)).status == 200
    assert (await _ask(client, "merci", token)).status == 200
    new = await client.post("/accueil/nouvelle", data={"csrf_token": token}, allow_redirects=False)
    assert new.status == 303 and new.headers["Location"] == "/accueil?nouvelle=1"
    assert "Nouvelle personne" in await (await client.get("/accueil?nouvelle=1")).text()
    assert (await _ask(client, "bonjour", token)).status == 200
    first, same, other = _desk_senders(caplog)
    assert first == same != other


async def test_the_fiche_goes_by_sms_with_consent(client, kb, db, fake_operator):
    html = await _cej_page(client)
    number = "+33639980012"
    response = await client.post(
        "/accueil/sms",
        data={
            "csrf_token": csrf_of(html),
            "fiche": FICHE,
            "telephone": "06 39 98 00 12",
            "consentement": "oui",
        },
    )
    page = await response.text()
    assert response.status == 200 and "SMS envoyé" in page, page

    expected = to_sms_text(kb.fiche(FICHE).sms)
    rows = _outbox(db)
    assert [(r.body, r.kind, r.status, r.to_number) for r in rows] == [
        (expected, "desk", SENT, None)
    ]
    assert fake_operator.sent_to(number) == [expected]
    # From the number of the account's territory, the one its residents write to.
    assert [s.from_ for s in fake_operator.sent if s.to == number] == [kb.territory.sms_number]
    # Sent: the number in clear is gone from the outbox.
    columns = SmsOutbound.__table__.columns
    assert "39980012" not in json.dumps([[str(getattr(r, c.name)) for c in columns] for r in rows])


async def test_without_consent_or_with_a_wrong_number_nothing_is_queued(client, db, fake_operator):
    html = await _cej_page(client)
    token = csrf_of(html)
    no_consent = await client.post(
        "/accueil/sms", data={"csrf_token": token, "fiche": FICHE, "telephone": "06 39 98 00 13"}
    )
    page = await no_consent.text()
    assert no_consent.status == 400 and str(escape("sans son accord, rien n'est envoyé")) in page
    assert 'value="06 39 98 00 13"' in page and '<details class="sms" open>' in page

    for wrong in ("06 39 98", "01 23 45 67 89", "+44 7700 900123", "pas un numéro"):
        refused = await client.post(
            "/accueil/sms",
            data={"csrf_token": token, "fiche": FICHE, "telephone": wrong, "consentement": "oui"},
        )
        assert refused.status == 400, wrong
        assert "pas un numéro de portable français" in await refused.text()

    assert _outbox(db) == []
    assert fake_operator.sent_to("+33639980013") == []


async def test_a_number_that_answered_stop_gets_nothing(client, db, settings, fake_operator):
    number = "+33639980014"
    db.add(
        SmsOptOut(sender_hash=number_hash(settings.sms.hash_key, number), opted_out_at=utc_now())
    )
    db.commit()
    html = await _cej_page(client)
    response = await client.post(
        "/accueil/sms",
        data={
            "csrf_token": csrf_of(html),
            "fiche": FICHE,
            "telephone": "06.39.98.00.14",
            "consentement": "oui",
        },
    )
    assert response.status == 400 and "(STOP)" in await response.text()
    assert _outbox(db) == []
    assert fake_operator.sent_to(number) == []


def test_french_mobile_numbers_are_read_in_their_usual_formats():
    for written in (
        "06 39 98 00 12",
        "0639980012",
        "06.39.98.00.12",
        "06-39-98-00-12",
        "+33 6 39 98 00 12",
        "+33 (0)6 39 98 00 12",
        "0033 6 39 98 00 12",
    ):
        assert french_mobile(written) == "+33639980012", written
    assert french_mobile("07 39 98 00 12") == "+33739980012"
    for wrong in ("", "06 39 98 00 1", "06 39 98 00 123", "01 39 98 00 12", "+32 470 12 34 56"):
        assert french_mobile(wrong) is None, wrong


async def test_a_danger_told_at_the_desk_shows_a_banner_with_the_number_to_call(client):
    await sign_in(client, STAFF_EMAIL)
    response = await _ask(
        client,
        "cette dame me dit que son mari l'a frappée hier et qu'elle a peur de rentrer ce soir",
        await form_token(client, "/accueil"),
    )
    html = await response.text()
    assert response.status == 200
    banner = html[html.index('class="danger-banner"') :]
    banner = banner[: banner.index("</div>")]
    assert "Danger signalé" in banner and "3919" in banner
    assert html.index("danger-banner") < html.index("Dernier échange")


async def test_staff_check_the_conditions_one_by_one_for_the_person(client, kb):
    """The fiche shows a form with the facts its rules need; the answer shows each condition
    (met, not met, to ask), the verdict and whom to confirm with, and keeps nothing."""
    html = await _cej_page(client)
    fiche = kb.fiche(FICHE)
    assert "Vérifier les conditions pour la personne" in html and 'name="age"' in html
    token = csrf_of(html)

    async def conditions(**facts) -> str:
        response = await client.post(
            "/accueil/conditions", data={"csrf_token": token, "fiche": FICHE, **facts}
        )
        assert response.status == 200
        return await response.text()

    said_no = str(escape("D'après ce que la personne dit : non."))
    at_27 = await conditions(age="27", rqth="")
    assert said_no in at_27
    assert "pas rempli" in at_27 and str(escape(fiche.rules.conditions[0].not_met)) in at_27
    assert str(escape(fiche.rules.confirm_with)) in at_27
    with_rqth = await conditions(age="27", rqth="yes")
    assert said_no not in with_rqth
    assert '<option value="yes" selected>' in with_rqth  # the answer given, shown again
    nothing = await conditions()
    assert "à demander" in nothing and "pas rempli" not in nothing
    unknown = await client.post(
        "/accueil/conditions", data={"csrf_token": token, "fiche": "pas-une-fiche"}
    )
    assert unknown.status == 404
