"""No dead end in a form: every question answered twice with something the form does not accept
moves on (a theme or a quartier not on the list: "autre", the words kept) or gives the contact of
a person and leaves the form, keeping nothing. Through the running bot, over REST."""

import re

import pytest

from tests.channels.sms_support import new_number
from tests.conftest import Conversation, buttons, texts
from tests.test_alert_conversation import said

REFERENCE = re.compile(r"CE-[0-9A-Z]{4}-[0-9A-Z]{4}")


def dead_end(reply: str, kb) -> bool:
    return (
        "Je n'arrive pas à comprendre votre réponse" in reply
        and kb.territory.reception.phone in reply
    )


def twice(conversation: Conversation, answer: str) -> str:
    conversation.say(answer)
    return said(conversation.say(answer))


def start_booking(conversation: Conversation) -> list:
    return conversation.say("je voudrais réserver une place au café emploi svp")


def book(conversation: Conversation, kb) -> str:
    sessions = start_booking(conversation)
    conversation.say(
        next(b["payload"] for b in buttons(sessions) if b["payload"].startswith("/choose_session"))
    )
    conversation.say("Awa")
    conversation.say(new_number())  # a number of its own
    return REFERENCE.search(said(conversation.say("oui d'accord"))).group()


@pytest.mark.parametrize("question", ["session", "first_name", "phone", "consent"])
def test_booking_form_questions(conversation, kb, question):
    sessions = start_booking(conversation)
    steps = [
        ("session", None, "euh je sais pas trop"),
        (
            "first_name",
            next(
                b["payload"]
                for b in buttons(sessions)
                if b["payload"].startswith("/choose_session")
            ),
            "123 456 !!",
        ),
        ("phone", "Awa", "j'ai pas de numéro"),
        ("consent", "06 39 98 44 21", "peut-être, on verra"),
    ]
    for name, reach, unexpected in steps:
        if reach:
            conversation.say(reach)
        if name == question:
            assert dead_end(twice(conversation, unexpected), kb)
            break
    # The form is left: an ordinary question gets its ordinary answer.
    assert any(
        p.get("fiche") == "cej"
        for p in (
            m.get("custom") or {}
            for m in conversation.say("c'est quoi le contrat d'engagement jeune")
        )
    )


def test_manage_form_reference(conversation, kb):
    conversation.say("je dois annuler mon inscription au café emploi")
    assert dead_end(twice(conversation, "je l ai plus, aucune idée"), kb)


def test_manage_form_cancel_confirmation_and_new_session(assistant, kb):
    cancelling = Conversation(assistant)
    reference = book(cancelling, kb)
    cancelling.say("je veux annuler ma place")
    cancelling.say(reference)
    assert dead_end(twice(cancelling, "peut-être, on verra"), kb)

    changing = Conversation(assistant)
    reference = book(changing, kb)
    changing.say("je voudrais changer la date de mon café emploi")
    changing.say(reference)
    assert dead_end(twice(changing, "euh je sais pas trop"), kb)


def test_alert_form_questions(assistant, kb):
    steps = [
        ("consent", "j'aimerais qu'un conseiller me rappelle", "peut-être, on verra"),
        ("first_name", "/affirm", "123 456 !!"),
        ("contact", "Inès", "j'ai pas de téléphone"),
    ]
    for index, (question, _, unexpected) in enumerate(steps):
        conversation = Conversation(assistant)
        for _, reach, _ in steps[: index + 1]:
            conversation.say(reach)
        assert dead_end(twice(conversation, unexpected), kb), question

    conversation = Conversation(assistant)
    for _, reach, _ in steps:
        conversation.say(reach)
    conversation.say("06 39 98 44 55")
    conversation.say("la pêche à la ligne")
    quartier = conversation.say("la pêche à la ligne")  # a theme not on the list: "autre"
    assert [b["title"] for b in buttons(quartier)][-1] == "Autre"
    conversation.say("Cité des Fleurs")
    availability = said(conversation.say("Cité des Fleurs"))  # a quartier not on the list
    assert "rappeler" in availability
    recap = said(conversation.say("le matin"))
    assert "Autre : Cité des Fleurs" in recap
    assert dead_end(twice(conversation, "peut-être, on verra"), kb)
    assert texts(conversation.say("bonjour"))
