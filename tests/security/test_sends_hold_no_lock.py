"""A slow mail server must not lock residents out: an alert is being sent to a référent whose
SMTP server never answers, and meanwhile a resident books a café emploi place through the
running assistant, on the same SQLite database. Before the one outbox engine, the send held the
database's write lock for the whole SMTP timeout and the booking form answered "indisponible"."""

import socket
import threading
import time

from sqlalchemy import delete

from bot.storage.alerts import deliver_due_alerts, raise_alert
from bot.storage.database import make_engine, session_factory, transaction
from bot.storage.models import Alert, AlertDelivery
from bot.transports.email import SMTP_TIMEOUT_SECONDS, smtp_transport
from tests.channels.sms_support import new_number
from tests.conftest import Conversation, buttons, texts
from tests.storage.test_alerts import DETAILS as ALERT


def test_a_booking_goes_through_while_an_alert_waits_for_a_silent_mail_server(assistant):
    silent = socket.socket()  # accepts connections (the kernel does), never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    engine = make_engine(assistant.database_url)
    factory = session_factory(engine)
    with factory() as db:
        alert_id = raise_alert(db, **ALERT).id
    try:
        transports = {
            "email": smtp_transport("127.0.0.1", silent.getsockname()[1], "a@example.org")
        }
        sender = threading.Thread(target=deliver_due_alerts, args=(factory, transports))
        sender.start()
        time.sleep(1)  # the sender now waits for the server's greeting, up to its timeout
        assert sender.is_alive()

        started = time.monotonic()
        resident = Conversation(assistant)
        offered = [
            b
            for b in buttons(resident.say("je veux réserver au café emploi"))
            if b["payload"].startswith("/choose_session")
        ]
        resident.say(offered[0]["payload"])
        resident.say("Maëlle")
        resident.say("0" + new_number()[3:])
        confirmation = " ".join(texts(resident.say("oui")))
        took = time.monotonic() - started

        assert "CE-" in confirmation, confirmation  # booked, with its reference
        assert "indisponible" not in confirmation
        assert sender.is_alive() and took < SMTP_TIMEOUT_SECONDS - 1, took
        sender.join(SMTP_TIMEOUT_SECONDS + 5)
    finally:
        silent.close()
        # The assistant's database is shared: this alert must not wait for the next test's sender.
        with factory() as db, transaction(db):
            db.execute(delete(AlertDelivery).where(AlertDelivery.alert_id == alert_id))
            db.execute(delete(Alert).where(Alert.id == alert_id))
        engine.dispose()
