"""'C'est où ?' by SMS: an intro, then one SMS per local service of the territory of the number
written to, each GSM-7 and one segment, sent from that number."""

import time
from datetime import date

from bot.french_dates import paris_today
from bot.gsm7 import segments, to_sms_text, unsupported_characters
from bot.offer.query import services_for
from bot.storage.database import make_engine, session_factory
from bot.storage.models import utc_now
from channels.territories import territory_of_sms_number
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)

PORT_NUMBER = "+33639980002"  # knowledge/territory/demo-port.yml, sms_number


def test_where_by_sms_sends_one_service_per_sms_from_the_territory_number(
    sms_assistant, fake_operator, kb
):
    assert territory_of_sms_number(PORT_NUMBER) == "demo-port"
    engine = make_engine(sms_assistant.database_url)
    try:
        with session_factory(engine)() as db:
            today: date = paris_today(utc_now())
            thematiques = kb.fiche("aides-mobilite").thematiques
            offers = services_for(db, "demo-port", thematiques, today, limit=3)
    finally:
        engine.dispose()
    assert offers

    client = SmsClient(sms_assistant)
    status, _ = client.say("c ou pour le permis", To=PORT_NUMBER)
    assert status == 200
    assert wait_until(lambda: len(fake_operator.sent_to(client.number)) >= 1 + len(offers))
    time.sleep(2)  # nothing more comes
    replies = fake_operator.sent_to(client.number)
    # A short intro, then each service alone, in the query's order: at most three.
    assert len(replies) == 1 + len(offers) <= 4
    assert replies[1:] == [to_sms_text(offer.sms_text()) for offer in offers]
    for offer, reply in zip(offers, replies[1:]):
        assert reply.startswith(to_sms_text(offer.name))
        assert offer.phone is None or offer.phone in reply
    for reply in replies:
        assert not unsupported_characters(reply)
        assert segments(reply) == 1, reply
    # Replies go from the number the resident wrote to: the Port-Fictif one.
    sent = [s for s in fake_operator.sent if s.to == client.number]
    assert sent and all(s.from_ == PORT_NUMBER for s in sent)
