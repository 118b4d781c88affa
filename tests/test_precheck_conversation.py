"""The eligibility pre-check through the running assistant: someone who says something about
themselves while asking about a dispositif gets an answer for them, with why, whom to confirm
with, the fiche's sources, and, when it is no, what may fit instead."""

import time

from bot.gsm7 import segments
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)
from tests.conftest import Conversation, buttons, payloads, texts


def _answer(messages: list) -> str:
    return " ".join(texts(messages))


def test_at_27_the_cej_is_no_with_the_rqth_exception_and_other_ideas(assistant):
    messages = Conversation(assistant).say("j'ai 27 ans ça marche le cej ?")
    answer = _answer(messages)
    assert answer.startswith("D'après ce que vous me dites : non."), answer
    assert "RQTH" in answer and "À confirmer avec" in answer
    assert "Je ne garde pas ces informations" in answer
    assert [p["fiche"] for p in payloads(messages)] == ["cej"]
    others = [b["payload"] for b in buttons(messages)]
    assert others and all(p.startswith("/info_") and p != "/info_cej" for p in others)


def test_what_it_is_then_the_verdict_when_the_question_is_what_it_is(assistant, kb):
    messages = Conversation(assistant).say("c koi le cej, moi g 19 ans")
    said = texts(messages)
    assert kb.fiche("cej").answer in said[0]
    assert said[1].startswith("D'après ce que vous me dites : sans doute."), said
    assert len(payloads(messages)) == 1  # the turn's sources, once


def test_at_25_and_8_months_the_age_is_fine(assistant):
    conversation = Conversation(assistant)
    conversation.say("c'est quoi le cej")
    answer = _answer(conversation.say("j'ai 25 ans et 8 mois, j'y ai droit ?"))
    assert answer.startswith("D'après ce que vous me dites : "), answer
    assert not answer.startswith("D'après ce que vous me dites : non"), answer


def test_receiving_the_rsa_is_said_about_the_cej_allowance(assistant):
    answer = _answer(Conversation(assistant).say("je touche le rsa, je peux faire le CEJ ?"))
    assert answer.startswith("D'après ce que vous me dites : "), answer
    assert "RSA" in answer


def test_by_sms_the_answer_fits_two_segments_per_message(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    assert client.say("g 27 ans le cej c possible ?")[0] == 200
    assert wait_until(lambda: any("me dites" in s for s in fake_operator.sent_to(client.number)))
    time.sleep(1)
    sent = fake_operator.sent_to(client.number)
    assert all(segments(body) <= 2 for body in sent), sent


def test_emplois_francs_is_closed_whatever_the_person_says(assistant):
    messages = Conversation(assistant).say(
        "j'ai 24 ans j'habite un qpv, les emplois francs c possible pour moi ?"
    )
    answer = _answer(messages)
    assert answer.startswith("Non : cette aide (Emplois francs) n'accepte plus"), answer
    assert "1er janvier 2025" in answer and "Je ne garde pas ces informations" in answer
    assert [p["fiche"] for p in payloads(messages)] == ["emplois-francs"]
    assert payloads(messages)[0]["status"] == "closed"
    others = [b["payload"] for b in buttons(messages)]
    assert others and "/info_emplois_francs" not in others


def test_iae_with_the_rsa_is_yes_and_confirmed_by_an_adviser(assistant):
    messages = Conversation(assistant).say("je touche le rsa, l'IAE c possible pour moi ?")
    answer = _answer(messages)
    assert answer.startswith("D'après ce que vous me dites : oui."), answer
    assert "conseiller" in answer
    assert [p["fiche"] for p in payloads(messages)] == ["iae"]


def test_apprenticeship_at_15_is_not_sure_never_no(assistant):
    messages = Conversation(assistant).say("j'ai 15 ans, l'apprentissage je peux ?")
    answer = _answer(messages)
    assert answer.startswith("D'après ce que vous me dites : ce n'est pas sûr."), answer
    assert "si votre âge convient" in answer and "handicap" in answer
    assert [p["fiche"] for p in payloads(messages)] == ["apprentissage"]
