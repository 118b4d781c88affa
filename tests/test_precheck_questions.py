"""The pre-check's questions through the running assistant: a "sans doute" for want of facts
asks them (buttons, always "Je ne sais pas"), at most three, then gives the verdict; "je ne sais
pas" leaves a fact unknown and is not asked again; a new question, "stop" or a danger ends them.
"À quoi j'ai droit ?" asks at most four, then lists what may fit, with next steps and buttons,
within two messages of two SMS by SMS."""

import json
import time
import urllib.request
from typing import List

import pytest
from rasa_sdk import Tracker

from bot.actions.precheck_questions import UNCLEAR, UNKNOWN_ANSWER, read_answer
from bot.gsm7 import segments
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)
from tests.conftest import Conversation, buttons, payloads, post_json, texts

DONT_KNOW = "Je ne sais pas"
QUESTIONS = {
    "age": "Quel âge avez-vous",
    "rqth": "Avez-vous une RQTH",
    "registered_ft": "inscrit à France Travail",
    "student": "étudiante ou étudiant",
    "in_training": "Suivez-vous une formation",
    "in_work": "Avez-vous un travail",
    "rsa": "Touchez-vous le RSA",
    "child_under_3": "enfant de moins de 3 ans",
    "child_under_12": "enfant de moins de 12 ans",
    "lone_parent": "Élevez-vous seule",
    "qpv": "Dans quel quartier habitez-vous",
    "apprentice": "apprentie ou apprenti",
}
VERDICT = "D'après ce que vous me dites : "


def asked(messages: list) -> List[str]:
    """The facts the bot asks about in these messages."""
    said = " ".join(texts(messages))
    return [fact for fact, question in QUESTIONS.items() if question in said]


def said(messages: list) -> str:
    return " ".join(texts(messages))


def tracker(assistant, conversation: Conversation) -> dict:
    url = f"{assistant.rasa_url}/conversations/{conversation.sender}/tracker"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def test_a_maybe_asks_what_is_missing_with_buttons_and_i_do_not_know(assistant):
    messages = Conversation(assistant).say("c koi le cej, moi g 19 ans")
    answer = texts(messages)
    assert answer[1].startswith(VERDICT + "sans doute."), answer
    assert "3 questions au plus" in said(messages)
    assert asked(messages) == ["student"]
    question = [m for m in messages if QUESTIONS["student"] in m.get("text", "")][0]
    assert [(b["title"], b["payload"]) for b in question["buttons"]] == [
        ("Oui", "/affirm"),
        ("Non", "/deny"),
        (DONT_KNOW, DONT_KNOW),
    ]


def test_answers_by_button_then_the_verdict_with_them(assistant):
    conversation = Conversation(assistant)
    conversation.say("c koi le cej, moi g 19 ans")
    messages = conversation.say("/deny")
    assert asked(messages) == ["in_training"], said(messages)
    messages = conversation.say("/deny")
    assert said(messages).startswith(VERDICT + "oui."), said(messages)
    assert "Je ne garde pas ces informations" in said(messages)
    assert [p["fiche"] for p in payloads(messages)] == ["cej"]
    state = tracker(assistant, conversation)
    assert state["active_loop"] == {} or not state["active_loop"].get("name")
    assert state["slots"]["person_facts"] == {"age": 19, "student": False, "in_training": False}
    assert state["slots"]["fact_student"] is None  # the round is forgotten, the facts kept


def test_answers_typed_in_free_text(assistant):
    conversation = Conversation(assistant)
    conversation.say("moi g 19 ans, le cej ça marche pour moi ?")
    messages = conversation.say("non jsuis pas etudiant")
    assert asked(messages) == ["in_training"], said(messages)
    messages = conversation.say("oui je suis en formation")
    assert said(messages).startswith(VERDICT + "non."), said(messages)


def test_i_do_not_know_stays_unknown_and_never_more_than_three_questions(assistant):
    conversation = Conversation(assistant)
    first = conversation.say("le cej c pour moi ?")
    assert [p["fiche"] for p in payloads(first)] == ["cej"]
    assert asked(first) == ["age"]
    age_question = [m for m in first if QUESTIONS["age"] in m.get("text", "")][0]
    assert [b["title"] for b in age_question["buttons"]] == [DONT_KNOW]
    questions = asked(first)
    for answer in ("jsp", "chais pas", DONT_KNOW):
        messages = conversation.say(answer)
        questions += asked(messages)
    assert len(questions) == 3 and len(set(questions)) == 3, questions
    assert said(messages).startswith(VERDICT + "sans doute."), said(messages)  # never a no
    assert tracker(assistant, conversation)["slots"]["person_facts"] in ({}, None)


def test_an_age_range_is_asked_again_never_made_up(assistant):
    conversation = Conversation(assistant)
    conversation.say("le cej c pour moi ?")
    messages = conversation.say("entre 20 et 25")
    assert "âge exact" in said(messages)
    assert tracker(assistant, conversation)["slots"]["fact_age"] is None
    messages = conversation.say("23")
    assert asked(messages) == ["student"], said(messages)


def test_a_new_question_ends_the_questions_and_is_answered(assistant):
    conversation = Conversation(assistant)
    conversation.say("c koi le cej, moi g 19 ans")
    messages = conversation.say("c'est quoi le service civique ?")
    assert [p["fiche"] for p in payloads(messages)] == ["service-civique"]
    assert VERDICT not in said(messages) and not asked(messages)
    state = tracker(assistant, conversation)
    assert not (state["active_loop"] or {}).get("name")
    assert state["slots"]["precheck_fiche"] is None
    messages = conversation.say("oui")
    assert said(messages) == "D'accord. Vous avez une autre question ?"


def test_stop_leaves_the_questions(assistant):
    conversation = Conversation(assistant)
    conversation.say("c koi le cej, moi g 19 ans")
    messages = conversation.say("stop")
    assert "j'arrête les questions" in said(messages)
    assert not (tracker(assistant, conversation)["active_loop"] or {}).get("name")


def test_danger_during_the_questions_gets_the_numbers_first(assistant):
    conversation = Conversation(assistant)
    conversation.say("c koi le cej, moi g 19 ans")
    messages = conversation.say("je voudrais que tout s'arrête, je ne veux plus me réveiller")
    assert "3114" in texts(messages)[0], texts(messages)
    assert not asked(messages)
    assert tracker(assistant, conversation)["active_loop"]["name"] == "referent_alert_form"


def answer_to(fact: str, text: str, intent: str = "nlu_fallback", territory: str = "demo"):
    """How the forms read `text` as the answer to the question about `fact` (a tracker as the
    action server receives it: the message, its intent and the territory of its metadata)."""
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.5},
        "metadata": {"territory": territory},
    }
    return read_answer(Tracker("t", {}, message, [], False, None, {}, "action_listen"), fact)


@pytest.mark.parametrize(
    "territory, text, expected",
    [
        ("demo", "Les Tilleuls", True),  # a QPV of the territory
        ("demo", "j'habite la source", True),
        ("demo-port", "Les Dunes", True),
        ("demo-port", "Les Tilleuls", UNCLEAR),  # not a quartier of this territory
        ("demo", "Autre quartier", UNKNOWN_ANSWER),  # where it is, the bot cannot tell
        ("demo", "Je ne sais pas", UNKNOWN_ANSWER),
    ],
)
def test_the_quartier_answer_is_read_against_the_conversation_territory(territory, text, expected):
    assert answer_to("qpv", text, territory=territory) == expected


@pytest.mark.parametrize(
    "fact, text, intent, expected",
    [
        ("age", "27", "unreadable", 27),
        ("age", "j'ai 19 ans", "ask_eligibility", 19),
        ("age", "entre 20 et 25", "nlu_fallback", UNCLEAR),  # never made up from a range
        ("age", "jsp", "nlu_fallback", UNKNOWN_ANSWER),
        ("student", "/affirm", "affirm", True),
        ("student", "non jsuis pas etudiant", "out_of_scope", False),
        ("in_work", "chais pas", "deny", UNKNOWN_ANSWER),  # "je ne sais pas" before the intent
        ("rsa", "oui je touche le rsa", "nlu_fallback", True),
        ("rsa", "bof", "nlu_fallback", UNCLEAR),
    ],
)
def test_answers_are_read_from_buttons_and_words(fact, text, intent, expected):
    assert answer_to(fact, text, intent) == expected


def test_a_confident_other_intent_is_a_new_question_not_an_answer():
    message = {"text": "c'est quoi le service civique", "intent": {"name": "info_service_civique"}}
    message["intent"]["confidence"] = 0.9
    tracker = Tracker("t", {}, message, [], False, None, {}, "action_listen")
    assert read_answer(tracker, "student") is None


def test_a_question_about_another_dispositif_starts_its_own_questions(assistant):
    conversation = Conversation(assistant)
    conversation.say("c koi le cej, moi g 19 ans")
    messages = conversation.say("et l'e2c c pour moi ?")
    assert [p["fiche"] for p in payloads(messages)] == ["e2c"]
    assert asked(messages) == ["student"], said(messages)
    assert conversation.say("/deny") and said(conversation.say("/deny")).startswith(
        VERDICT + "oui."
    )


def test_the_quartier_question_lists_the_conversation_territory(assistant):
    conversation = Conversation(assistant)
    hello = {"sender": conversation.sender, "message": "bonjour"}
    status, _ = post_json(conversation.url, {**hello, "metadata": {"territory": "demo-port"}})
    assert status == 200
    url = f"{assistant.rasa_url}/conversations/{conversation.sender}/execute"
    status, result = post_json(url, {"name": "action_ask_fact_qpv"})
    assert status == 200
    titles = [b["title"] for m in result["messages"] for b in m.get("buttons", [])]
    assert titles == ["Le Phare", "Les Dunes", "Autre quartier", DONT_KNOW]
    assert QUESTIONS["qpv"] in said(result["messages"])


def test_what_am_i_entitled_to_asks_at_most_four_then_ranks(assistant, kb):
    conversation = Conversation(assistant)
    messages = conversation.say("a quoi jai droit ?")
    assert "4 questions au plus" in said(messages)
    questions = asked(messages)
    answers = {"age": "22"}
    for _ in range(5):
        if not questions or questions[-1] not in QUESTIONS or VERDICT in said(messages):
            break
        messages = conversation.say(answers.get(questions[-1], "non"))
        new = asked(messages)
        if not new:
            break
        questions += new
    assert questions[0] == "age" and len(questions) <= 4, questions
    listed = buttons(messages)
    assert "ces aides sont sans doute pour vous" in said(messages), said(messages)
    assert 1 <= len(listed) <= 5
    for button in listed:
        fiche = kb.fiche(button["payload"][len("/info_") :].replace("_", "-"))
        assert fiche is not None and fiche.rules is not None, button
        assert button["title"] == fiche.title
        assert f"{fiche.title} : " in said(messages) and fiche.next_step in said(messages)
    outcomes = [t.split(" : ")[1].split(".")[0] for t in texts(messages) if " : " in t][
        : len(listed)
    ]
    assert outcomes == sorted(outcomes, key=lambda o: o != "oui"), outcomes  # yes first
    assert "Je ne garde pas ces informations" in said(messages)


def test_what_am_i_entitled_to_by_sms_fits_two_messages_of_two_segments(
    sms_assistant, fake_operator
):
    # The SMS channel takes 4 messages per number in 10 minutes here: the situation comes first.
    client = SmsClient(sms_assistant)
    situation = (
        "a koi g droit ? jai 22 ans, pas etudiant, pas en formation, au chomage, jai un bebe"
    )

    def listed() -> bool:
        return any("sans doute pour vous" in s for s in fake_operator.sent_to(client.number))

    assert client.say(situation)[0] == 200
    assert wait_until(lambda: len(fake_operator.sent_to(client.number)) > 0)
    for _ in range(3):  # "2" is "Non" to each question asked, if any
        time.sleep(1)
        if listed():
            break
        before = len(fake_operator.sent_to(client.number))
        assert client.say("2")[0] == 200
        assert wait_until(lambda n=before: len(fake_operator.sent_to(client.number)) > n)
    time.sleep(1)
    sent = fake_operator.sent_to(client.number)
    start = next(i for i, s in enumerate(sent) if "sans doute pour vous" in s)
    listing = sent[start:]
    assert 1 <= len(listing) <= 2, listing
    assert all(segments(body) <= 2 for body in listing), listing
    assert "Répondez 1" in " ".join(listing), listing
    assert "Prochaine étape" in " ".join(listing), listing
    assert "Je ne garde pas ces informations" in " ".join(listing), listing


def test_danger_or_stop_during_what_am_i_entitled_to(assistant):
    conversation = Conversation(assistant)
    assert asked(conversation.say("a quoi jai droit ?")) == ["age"]
    messages = conversation.say("mon conjoint m'a encore serré le cou hier soir, j'ai peur")
    assert "3919" in texts(messages)[0], texts(messages)
    assert tracker(assistant, conversation)["active_loop"]["name"] == "referent_alert_form"
    conversation = Conversation(assistant)
    conversation.say("a quoi jai droit ?")
    assert "j'arrête les questions" in said(conversation.say("stop"))
    assert tracker(assistant, conversation)["slots"]["precheck_entitlements"] is None
