"""The action server down while a resident writes by SMS: the reply says, in French and GSM-7,
that the assistant cannot answer right now and gives the reception's phone
(channels/action_failures.py); once the action server is back, the same number is answered."""

import signal
import time

import pytest

from bot.gsm7 import GSM7_BASIC, GSM7_EXTENSION, segments, to_sms_text
from bot.knowledge.loader import load_territory_file, territory_path
from bot.launcher import Assistant
from bot.notices import unavailable_text
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)

NEEDS_AN_ACTION = "c quoi le contrat d'engagement jeune"  # answered by action_answer_fiche


def kill_action_server(servers: Assistant) -> None:
    """SIGKILL, as a crash: nothing is answered, connections are refused."""
    process = next(p for p in servers.processes if "bot.action_server" in p.args)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    servers.processes.remove(process)


def restart_action_server(servers: Assistant) -> None:
    """Back as the session's fixture started it, for the SMS tests that follow."""
    servers.start_action_server()
    servers.wait_until_ready(120)


def replies_to(operator, client: SmsClient, already: int) -> list:
    assert wait_until(lambda: len(operator.sent_to(client.number)) > already)
    time.sleep(1)  # the rest of the turn, if it is cut in two
    return operator.sent_to(client.number)[already:]


@pytest.mark.timeout(600)
def test_an_sms_resident_is_told_when_the_action_server_is_down(sms_assistant, fake_operator, kb):
    phone = load_territory_file(territory_path()).reception.phone
    notice = to_sms_text(unavailable_text())
    client = SmsClient(sms_assistant)

    kill_action_server(sms_assistant)
    try:
        assert client.say(NEEDS_AN_ACTION)[0] == 200
        down = replies_to(fake_operator, client, 0)
    finally:
        restart_action_server(sms_assistant)

    assert any(notice in reply for reply in down), down
    assert phone in "\n".join(down)
    for reply in down:
        assert all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in reply), reply
        assert segments(reply) <= 2, reply

    assert client.say(NEEDS_AN_ACTION)[0] == 200
    back = replies_to(fake_operator, client, len(down))
    assert back[0].startswith(to_sms_text(kb.fiche("cej").sms))
    assert not any(notice in reply for reply in back)
