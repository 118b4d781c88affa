"""Alerting a référent end to end: the trained model on the running Rasa server, the action
server, the REST channel and the assistant's own database; delivery by the alert sender's
transports to a real SMTP server and HTTP receiver on loopback. Messages are typed the way
residents type, never copied from the training data."""

import re

import pytest
from sqlalchemy import MetaData, select

from bot.storage.alerts import deliver_due_alerts
from bot.storage.database import make_engine, session_factory
from bot.storage.models import Alert
from tests.conftest import Conversation, buttons, free_port, texts
from tests.test_alert_delivery import Receiver, smtp, transports  # noqa: F401 (smtp: a fixture)

REFERENCE = re.compile(r"AL-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def db_factory(assistant):
    engine = make_engine(assistant.database_url)
    yield session_factory(engine)
    engine.dispose()


def said(messages: list) -> str:
    return " ".join(texts(messages))


def alerts_for(db_factory, first_name: str) -> list:
    with db_factory() as db:
        return list(db.execute(select(Alert).where(Alert.first_name == first_name)).scalars())


def everything_stored(db_factory) -> str:
    """Every value of every table of the assistant's database, as one text."""
    engine = db_factory.kw["bind"]
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as connection:
        return "\n".join(
            str(row)
            for table in metadata.sorted_tables
            for row in connection.execute(table.select())
        )


def test_raise_an_alert_then_it_reaches_the_referent_and_its_status_changes(
    conversation,
    db_factory,
    smtp,
):
    conversation.say("comment on fait pour avoir une aide pour le permis de conduire")
    consent = conversation.say("est ce qu'une personne pourrait me recontacter pour en parler")
    assert "d'accord" in said(consent)
    assert [b["payload"] for b in buttons(consent)] == ["/affirm", "/deny"]
    assert "prénom" in said(conversation.say("/affirm"))
    assert "joindre" in said(conversation.say("Mariam"))
    theme = conversation.say("c'est le 06 39 98 00 51")
    assert buttons(theme)[0]["title"] == "Mobilité"  # suggested by the dispositif discussed
    quartier = conversation.say(buttons(theme)[0]["payload"])
    # Every quartier of the territory (those of its centres, then the QPV without one), "Autre".
    assert [b["title"] for b in buttons(quartier)] == [
        "Les Tilleuls",
        "Les Marronniers",
        "La Source",
        "Autre",
    ]
    assert "rappeler" in said(conversation.say("Les Marronniers"))
    recap = said(conversation.say("plutot les matins avant 11h"))
    assert "Mariam" in recap and "+33639980051" in recap and "Les Marronniers" in recap
    sent = said(conversation.say("/affirm"))
    reference = REFERENCE.search(sent).group()
    assert "2 jours ouvrés" in sent

    [alert] = alerts_for(db_factory, "Mariam")
    assert (alert.reference, alert.phone, alert.theme, alert.quartier, alert.on_behalf) == (
        reference,
        "+33639980051",
        "mobilite",
        "Les Marronniers",
        False,
    )
    assert alert.referent_name == "Nadia Essai (démo)"
    assert "permis" in alert.summary and len(alert.summary) <= 600
    assert "attente" in said(conversation.say(f"ma demande {reference.lower()} elle est partie ?"))

    controller, inbox = smtp
    receiver = Receiver(free_port())
    receiver.start()
    try:
        assert deliver_due_alerts(db_factory, transports(controller.port, receiver.port)) == 2
    finally:
        receiver.stop()
    [(recipients, email)] = inbox.messages
    assert recipients == ["referent-emploi-marronniers@example.org"]
    assert "Nadia Essai (démo)" in email.get_content() and "permis" in email.get_content()
    [payload] = receiver.received
    assert (payload["reference"], payload["referent_name"]) == (reference, "Nadia Essai (démo)")
    assert "permis" in payload["summary"]
    assert "transmise" in said(conversation.say(f"du coup ma demande {reference} elle en est où"))


def test_a_reception_desk_raises_an_alert_for_a_resident(conversation, db_factory):
    consent = said(
        conversation.say(
            "bonjour je suis à l'accueil, une maman voudrait qu'un conseiller la rappelle"
        )
    )
    assert "La personne est d'accord" in consent
    conversation.say("oui elle est d'accord")
    conversation.say("Fatoumata")
    conversation.say("fatou.k@example.org")
    conversation.say("garde d'enfants")
    conversation.say("autre")
    conversation.say("l'après-midi")
    assert REFERENCE.search(said(conversation.say("oui c bon")))
    [alert] = alerts_for(db_factory, "Fatoumata")
    assert (alert.email, alert.phone, alert.on_behalf, alert.theme) == (
        "fatou.k@example.org",
        None,
        True,
        "garde-enfants",
    )
    assert alert.referent_name == "Sophie Modèle (démo)"


def test_refusing_consent_stores_no_personal_data(conversation, db_factory, kb):
    conversation.say("moi c Yasmine 06 39 98 00 52, jveux qu'on me rappelle pour un taf")
    refused = said(conversation.say("non je prefere pas"))
    assert "rien gardé" in refused and kb.territory.reception.phone in refused
    stored = everything_stored(db_factory)
    assert "Yasmine" not in stored and "639980052" not in stored


def test_bad_answers_are_refused_and_leaving_stores_nothing(assistant, db_factory):
    leaving = Conversation(assistant)
    leaving.say("j'aimerais qu'un conseiller me téléphone demain")
    leaving.say("ok")
    leaving.say("Inès")
    assert "Je n'ai reconnu ni" in said(leaving.say("06 12"))
    assert "rien gardé" in said(leaving.say("bon laisse tomber"))

    # A second answer the form cannot take ends it too (tests/test_form_dead_ends.py).
    missing = Conversation(assistant)
    missing.say("un conseiller peut me rappeler cet après-midi ?")
    missing.say("oui")
    missing.say("Inès")
    assert "Je n'ai reconnu ni" in said(missing.say("ines@@exemple"))
    ended = said(missing.say("bla " * 500))
    assert "trop long" in ended and "rien n'est gardé" in ended
    assert alerts_for(db_factory, "Inès") == []
