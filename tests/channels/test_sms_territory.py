"""An SMS belongs to the territory of the number it was written to (the territory file's
`sms_number`), and the answers go from that number: the resident's next SMS, a reply in the same
thread, reaches the same territory."""

import time

from bot.gsm7 import to_sms_text
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    OPERATOR_NUMBER,
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)


def _answers(fake_operator, client: SmsClient, body: str, to: str) -> list:
    already = len([s for s in fake_operator.sent if s.to == client.number])
    assert client.say(body, To=to)[0] == 200
    assert wait_until(
        lambda: len([s for s in fake_operator.sent if s.to == client.number]) > already
    )
    time.sleep(1)  # the rest of the turn, if it is cut in two
    return [s for s in fake_operator.sent if s.to == client.number][already:]


def test_an_sms_to_a_territorys_number_is_answered_for_that_territory(
    sms_assistant, fake_operator, kb
):
    port, here = kb.territories["demo-port"], kb.territories["demo"]
    client = SmsClient(sms_assistant)
    answers = _answers(fake_operator, client, "je veux parler a quelqu un", port.sms_number)
    assert {sent.from_ for sent in answers} == {port.sms_number}
    said = " ".join(sent.body for sent in answers)
    assert to_sms_text(port.reception.phone) in said and here.reception.phone not in said

    other = SmsClient(sms_assistant)
    answers = _answers(fake_operator, other, "je veux parler a quelqu un", here.sms_number)
    assert {sent.from_ for sent in answers} == {here.sms_number}
    assert to_sms_text(here.reception.phone) in " ".join(sent.body for sent in answers)


def test_an_sms_to_another_number_belongs_to_the_default_territory(
    sms_assistant, fake_operator, kb
):
    client = SmsClient(sms_assistant)
    answers = _answers(fake_operator, client, "je veux parler a quelqu un", OPERATOR_NUMBER)
    assert {sent.from_ for sent in answers} == {OPERATOR_NUMBER}
    assert to_sms_text(kb.territory.reception.phone) in " ".join(sent.body for sent in answers)
