"""One Rasa server killed with SIGKILL while 20 residents book a café emploi place and 8 others
ask a référent to call them back, all at once, then restarted. The residents' messages alternate
between the two servers; a message the dead server cannot take goes to the other one (as a load
balancer retries it). Whatever happened to a message in flight, every booking and every alert the
bot confirmed to a resident (a confirmation with a reference) is in the database, with that
resident's name and phone, once; and the restarted server takes the conversations up where they
are (trackers in PostgreSQL)."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.storage.database import make_engine, session_factory
from bot.storage.models import Alert, Booking
from tests.cluster import Resident, user_texts
from tests.conftest import buttons, payloads, texts

REFERENCE = re.compile(r"CE-[0-9A-Z]{4}-[0-9A-Z]{4}")
ALERT_REFERENCE = re.compile(r"AL-[0-9A-Z]{4}-[0-9A-Z]{4}")
RESIDENTS = 20
ALERT_RESIDENTS = 8
FIRST_NAMES = ["Awa", "Yanis", "Inès", "Moussa", "Léa", "Karim", "Fatou", "Hugo", "Nour", "Jade"]


def said(messages: list) -> str:
    return " ".join(texts(messages))


def booking_turns(index: int) -> list:
    """What resident `index` types (the session button is found in the first answer)."""
    return [
        "je voudrais une place au café emploi svp",
        None,  # the session button's payload
        FIRST_NAMES[index % len(FIRST_NAMES)],
        f"06 39 98 01 {index:02d}",
        "oui",
    ]


def alert_turns(index: int) -> list:
    """What alert resident `index` types; None: the first button of the last answer (theme,
    then quartier)."""
    return [
        "j'aimerais bien qu'un conseiller me rappelle svp",
        "/affirm",
        FIRST_NAMES[index % len(FIRST_NAMES)],
        f"06 39 98 02 {index:02d}",
        None,
        None,
        "plutot le matin",
        "/affirm",
    ]


class Load:
    def __init__(self, deployment) -> None:
        self.deployment = deployment
        self.answered = 0
        self.lock = threading.Lock()
        self.confirmed = {}  # phone → (reference, first name)
        self.alerts = {}  # phone → (reference, first name)
        self.killed = threading.Event()

    def resident(self, index: int) -> Resident:
        resident = Resident(self.deployment.urls, failover=True, start=index)
        phone = f"+336399801{index:02d}"
        button = None
        for turn in booking_turns(index):
            messages = resident.say(turn if turn is not None else button)
            with self.lock:
                self.answered += 1
            offered = [b for b in buttons(messages) if b["payload"].startswith("/choose_session")]
            if offered:
                button = offered[index % len(offered)]["payload"]  # one left when others are full
            if button is None:  # no session offered: nothing more to do for this one
                break
            match = REFERENCE.search(said(messages))
            if match:
                with self.lock:
                    self.confirmed[phone] = (match.group(), FIRST_NAMES[index % len(FIRST_NAMES)])
        return resident

    def alert_resident(self, index: int) -> Resident:
        resident = Resident(self.deployment.urls, failover=True, start=index)
        messages: list = []
        for turn in alert_turns(index):
            if turn is None:
                if not buttons(messages):
                    break  # the conversation went elsewhere: nothing confirmed, nothing to check
                turn = buttons(messages)[0]["payload"]
            messages = resident.say(turn)
            with self.lock:
                self.answered += 1
        match = ALERT_REFERENCE.search(said(messages))
        if match:
            with self.lock:
                self.alerts[f"+336399802{index:02d}"] = (
                    match.group(),
                    FIRST_NAMES[index % len(FIRST_NAMES)],
                )
        return resident


@pytest.mark.timeout(1500)
def test_bookings_confirmed_to_residents_survive_a_killed_rasa_server(deployment):
    load = Load(deployment)
    restarted = threading.Event()

    def killer():
        deadline = time.monotonic() + 600
        while load.answered < 25 and time.monotonic() < deadline:  # in the middle of the load
            time.sleep(0.1)
        deployment.kill_rasa(0)
        load.killed.set()
        deployment.restart_rasa(0)
        restarted.set()

    with ThreadPoolExecutor(max_workers=RESIDENTS + ALERT_RESIDENTS + 1) as pool:
        kill = pool.submit(killer)
        futures = [pool.submit(load.resident, index) for index in range(RESIDENTS)]
        alerting = [pool.submit(load.alert_resident, index) for index in range(ALERT_RESIDENTS)]
        residents = [f.result(timeout=1200) for f in futures]
        for future in alerting:
            future.result(timeout=1200)
        kill.result(timeout=900)
    assert load.killed.is_set() and restarted.is_set()

    # Most residents got through despite the kill, and every confirmation is in the database.
    assert len(load.confirmed) >= RESIDENTS * 3 // 4, load.confirmed
    assert len(load.alerts) >= ALERT_RESIDENTS * 3 // 4, load.alerts
    engine = make_engine(deployment.database_url)
    try:
        with session_factory(engine)() as db:
            stored = {}
            for booking in db.execute(
                select(Booking).where(Booking.phone.like("+336399801%"))
            ).scalars():
                assert booking.phone not in stored, f"two bookings for {booking.phone}"
                stored[booking.phone] = (booking.reference, booking.first_name, booking.status)
            alerts = {}
            for alert in db.execute(select(Alert).where(Alert.phone.like("+336399802%"))).scalars():
                assert alert.phone not in alerts, f"two alerts for {alert.phone}"
                alerts[alert.phone] = (alert.reference, alert.first_name)
    finally:
        engine.dispose()
    for phone, (reference, first_name) in load.confirmed.items():
        assert stored.get(phone) == (reference, first_name, "confirmed"), phone
    for phone, confirmed in load.alerts.items():
        assert alerts.get(phone) == confirmed, phone

    # The restarted server knows the conversations, and goes on with them.
    resident = residents[0]
    for url in deployment.urls:
        assert user_texts(url, resident.sender)[-len(resident.sent) :] == resident.sent
    resident.urls = [deployment.urls[0]]
    assert payloads(resident.say("c koi le cej"))[0]["fiche"] == "cej"
