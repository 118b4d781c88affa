"""Danger by SMS, through the real servers and the fake operator: the number that fits comes
first, alone in one SMS; the other numbers and the call-back offer follow."""

import time

import pytest

from bot.gsm7 import segments
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)
from tests.test_danger_conversation import CASES


@pytest.mark.parametrize("category", list(CASES))
def test_sms_each_danger_gets_its_number_first_in_one_sms(sms_assistant, fake_operator, category):
    text, number = CASES[category]
    client = SmsClient(sms_assistant)
    status, _ = client.say(text)
    assert status == 200
    assert wait_until(lambda: len(fake_operator.sent_to(client.number)) >= 2)
    time.sleep(1)  # the rest of the turn
    first, *rest = fake_operator.sent_to(client.number)
    assert number in first and segments(first) == 1, first
    assert "114" in " ".join(rest) and "rappel" in " ".join(rest)
