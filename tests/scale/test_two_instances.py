"""Two Rasa servers behind no sticky session: each message of a conversation goes to the other
server than the last one. The conversation must go on as with one server (the tracker is in
PostgreSQL, the lock in Redis): follow-ups answered for the dispositif in context, a booking form
carried to a confirmed booking in the database, every user message in the tracker once, the same
tracker on both servers, and simultaneous messages of one conversation handled one at a time."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.storage.database import make_engine, session_factory
from bot.storage.models import Booking
from tests.cluster import Resident, post, user_texts
from tests.conftest import buttons, payloads, texts

REFERENCE = re.compile(r"CE-[0-9A-Z]{4}-[0-9A-Z]{4}")


def said(messages: list) -> str:
    return " ".join(texts(messages))


def sessions_offered(messages: list) -> list:
    return [b for b in buttons(messages) if b["payload"].startswith("/choose_session")]


def bookings_of(database_url: str, phone: str) -> list:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as db:
            return [
                (b.reference, b.first_name, b.session_id, b.status, b.channel)
                for b in db.execute(select(Booking).where(Booking.phone == phone)).scalars()
            ]
    finally:
        engine.dispose()


def follow_up(urls, kb, question: str, fiche_id: str) -> Resident:
    """A knowledge question on one server, "et c'est combien ?" on the other."""
    resident = Resident(urls)
    first = resident.say(question)
    assert payloads(first) and payloads(first)[0]["fiche"] == fiche_id
    amount = resident.say("et c'est combien ?")
    assert kb.fiche(fiche_id).aspect("amount") in texts(amount)
    assert payloads(amount)[0]["fiche"] == fiche_id
    assert payloads(amount)[0]["aspect"] == "amount"
    return resident


def book(urls, first_name: str, phone_typed: str, start: int) -> tuple:
    """A café emploi booking, every step on the other server than the one before."""
    resident = Resident(urls, start=start)
    offered = sessions_offered(resident.say("bonjour je voudrais m'inscrire au café emploi svp"))
    assert len(offered) >= 2
    choice = offered[1]
    assert "prénom" in said(resident.say(choice["payload"]))
    assert "téléphone" in said(resident.say(f"c'est {first_name}"))
    assert "jusqu'au café emploi" in said(resident.say(phone_typed))
    confirmation = said(resident.say("oui ça me va"))
    match = REFERENCE.search(confirmation)
    assert match and first_name in confirmation, confirmation
    session_id = int(json.loads(choice["payload"][choice["payload"].index("{") :])["session_id"])
    return resident, match.group(), session_id


@pytest.mark.timeout(1500)
def test_conversations_alternate_between_the_two_servers(deployment, kb):
    urls = deployment.urls
    with ThreadPoolExecutor(max_workers=5) as pool:
        knowledge = [
            pool.submit(follow_up, urls, kb, "c koi le cej", "cej"),
            pool.submit(follow_up, urls, kb, "c quoi le service civique", "service-civique"),
        ]
        bookings = [
            pool.submit(book, urls, "Awa", "06 39 98 00 61", 0),
            pool.submit(book, urls, "Yanis", "0639980062", 1),
            pool.submit(book, urls, "Inès", "06.39.98.00.63", 1),
        ]
        residents = [f.result(timeout=1200) for f in knowledge]
        booked = [f.result(timeout=1200) for f in bookings]

    for (resident, reference, session_id), (name, phone) in zip(
        booked, [("Awa", "+33639980061"), ("Yanis", "+33639980062"), ("Inès", "+33639980063")]
    ):
        assert bookings_of(deployment.database_url, phone) == [
            (reference, name, session_id, "confirmed", "rest")
        ]
        residents.append(resident)

    for resident in residents:
        # Every message once, in order, whichever server is asked.
        for url in urls:
            assert user_texts(url, resident.sender) == resident.sent


@pytest.mark.timeout(900)
def test_simultaneous_messages_of_one_conversation_are_handled_one_at_a_time(deployment, kb):
    """Six messages of one conversation at once, three to each server: the Redis lock makes them
    wait for each other, so each gets its own answer and the tracker has each once."""
    resident = Resident(deployment.urls)
    resident.say("bonjour")
    questions = {  # typed, and the menu's buttons (their payloads)
        "c koi le cej": "cej",
        "c quoi le service civique": "service-civique",
        "emploi franc": "emplois-francs",
        "/info_cej": "cej",
        "/info_service_civique": "service-civique",
        "/info_aides_mobilite": "aides-mobilite",
    }

    def ask(index_question):
        index, question = index_question
        url = deployment.urls[index % 2]
        body = json.dumps({"sender": resident.sender, "message": question}).encode("utf-8")
        status, answer = post(f"{url}/webhooks/rest/webhook", body)
        return question, status, json.loads(answer)

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        answers = list(pool.map(ask, enumerate(questions), timeout=600))

    for question, status, messages in answers:
        assert status == 200, (question, messages)
        assert [p["fiche"] for p in payloads(messages)][:1] == [questions[question]], (
            question,
            messages,
        )
    for url in deployment.urls:
        typed = user_texts(url, resident.sender)
        assert typed[0] == "bonjour" and sorted(typed[1:]) == sorted(questions)
