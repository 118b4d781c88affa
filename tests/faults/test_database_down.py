"""The booking database (DATABASE_URL) stopped in the middle of a booking: the resident gets the
project's polite French message with the reception's phone, nothing crashes (Rasa servers, action
server, senders keep running), nothing is half-written; once the database is back, the very next
booking goes through (no stale pooled connection answering "indisponible" once more)."""

import pytest
from sqlalchemy import func, select

from bot.storage.database import make_engine, session_factory
from bot.storage.models import Booking, Outbox
from tests.cluster import Resident, pg_resume, pg_stop
from tests.conftest import buttons, texts
from tests.faults.test_action_server_down import no_traceback

UNAVAILABLE = "les inscriptions au café emploi ne marchent pas en ce moment"
RECEPTION_PHONE = "01 99 00 12 34"
PHONE = "+33639980071"


def said(messages: list) -> str:
    return " ".join(texts(messages))


def sessions_offered(messages: list) -> list:
    return [b for b in buttons(messages) if b["payload"].startswith("/choose_session")]


def counts(database_url: str) -> dict:
    engine = make_engine(database_url)
    try:
        with session_factory(engine)() as db:
            return {
                "bookings": db.scalar(select(func.count()).select_from(Booking)),
                "outbox": db.scalar(select(func.count()).select_from(Outbox)),
                "this_phone": db.scalar(
                    select(func.count()).select_from(Booking).where(Booking.phone == PHONE)
                ),
            }
    finally:
        engine.dispose()


def up_to_consent(resident: Resident) -> None:
    offered = sessions_offered(resident.say("je veux m'inscrire au café emploi"))
    assert offered
    assert "prénom" in said(resident.say(offered[0]["payload"]))
    assert "téléphone" in said(resident.say("Salomé"))
    assert "jusqu'au café emploi" in said(resident.say("06 39 98 00 71"))


@pytest.mark.timeout(900)
def test_a_booking_while_the_database_is_down_is_refused_politely_then_works(deployment):
    before = counts(deployment.database_url)
    resident = Resident(deployment.urls)
    up_to_consent(resident)

    pg_stop(deployment.app_pg)
    try:
        refused = resident.say("oui d'accord")
        assert UNAVAILABLE in said(refused) and RECEPTION_PHONE in said(refused)
        assert not any(no_traceback(t) is False for t in texts(refused))
        # Asking for the dates needs the database too.
        dates = Resident(deployment.urls, start=1).say("c quand le prochain café emploi")
        assert UNAVAILABLE in said(dates)
        # The senders go on (they retry at their next round), nothing exited.
        for assistant in deployment.rasa:
            assert all(p.poll() is None for p in assistant.processes)
    finally:
        pg_resume(deployment.app_pg)

    assert counts(deployment.database_url) == before  # nothing half-written

    up_to_consent(resident)
    confirmation = said(resident.say("oui"))
    assert "CE-" in confirmation and "Salomé" in confirmation
    after = counts(deployment.database_url)
    assert after["this_phone"] == 1 and after["bookings"] == before["bookings"] + 1
