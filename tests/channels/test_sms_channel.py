"""The SMS channel end to end: signed webhooks into the real Rasa and action servers, replies out
to a local imitation of Twilio's Messages API."""

import json
import re
import time

import yaml

from bot.gsm7 import segments, to_sms_text
from bot.storage.database import ROOT
from bot.texts import text
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    RATE_LIMIT,
    SmsClient,
    fake_operator,
    sms_assistant,
    wait_until,
)

QUIET = 3  # seconds to wait for something that must not happen


def sms(name: str) -> str:
    return to_sms_text(text(f"sms.{name}"))


def test_a_signed_sms_is_answered_with_the_fiche_short_answer(sms_assistant, fake_operator, kb):
    client = SmsClient(sms_assistant)
    status, twiml = client.say("c koi le cej")
    assert status == 200
    assert re.fullmatch(r'<\?xml version="1.0" encoding="UTF-8"\?><Response\s*/>', twiml)
    assert wait_until(lambda: fake_operator.sent_to(client.number))
    time.sleep(1)  # the rest of the turn, if it is cut in two
    replies = fake_operator.sent_to(client.number)
    assert replies[0].startswith(to_sms_text(kb.fiche("cej").sms))
    assert all(segments(reply) <= 2 for reply in replies)
    assert all(
        sent.from_ == "+33639980000" for sent in fake_operator.sent if sent.to == client.number
    )


def test_a_forged_or_missing_signature_is_refused_and_nothing_is_sent(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    forged = client.post(client.form("aide"), signature="Zm9yZ2Vk")
    missing = client.post(client.form("aide"), signature=None)
    # Signed for the URL the server sees, not the public one Twilio calls: refused too.
    local = client.post(client.form("aide"), signed_url=client.url)
    assert [forged[0], missing[0], local[0]] == [403, 403, 403]
    assert "missing" in missing[1] and "invalid" in forged[1]
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number) == []


def test_a_retried_message_sid_is_answered_once(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    form = client.form("aide")
    assert client.post(form)[0] == 200
    assert client.post(form)[0] == 200
    assert wait_until(lambda: fake_operator.sent_to(client.number))
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number) == [sms("help")]


def test_stop_silences_the_number_and_start_brings_it_back(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    # STOP and START take effect before their webhook answers: a message sent the next instant
    # already finds the number's new state.
    assert client.say("Arrêt")[0] == 200
    assert client.say("aide")[0] == 200
    assert client.say("c koi le cej")[0] == 200
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number) == [sms("opted_out")]
    assert client.say("START")[0] == 200
    assert client.say("AIDE")[0] == 200
    expected = [sms("opted_out"), sms("opted_in"), sms("help")]
    assert wait_until(lambda: fake_operator.sent_to(client.number) == expected), (
        fake_operator.sent_to(client.number)
    )


def test_a_number_answers_the_button_it_names(sms_assistant, fake_operator, kb):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    menu_buttons = domain["responses"]["utter_help_menu"][0]["buttons"]
    second_theme = json.loads(menu_buttons[1]["payload"][len("/choose_theme") :])["theme"]
    client = SmsClient(sms_assistant)
    client.say("menu")
    assert wait_until(lambda: any("2 = " in s for s in fake_operator.sent_to(client.number)))
    menu = next(s for s in fake_operator.sent_to(client.number) if "2 = " in s)
    assert f"2 = {to_sms_text(menu_buttons[1]['title'])}" in menu
    already = len(fake_operator.sent_to(client.number))
    client.say("2")
    assert wait_until(lambda: len(fake_operator.sent_to(client.number)) > already)
    time.sleep(1)
    listing = "\n".join(fake_operator.sent_to(client.number)[already:])
    for fiche in kb.by_theme(second_theme):
        assert f" = {to_sms_text(fiche.title)}" in listing


def test_a_flood_gets_one_notice_then_silence(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    for _ in range(RATE_LIMIT + 3):
        assert client.say("aide")[0] == 200
    expected = [sms("help")] * RATE_LIMIT + [sms("rate_limited")]
    assert wait_until(lambda: sorted(fake_operator.sent_to(client.number)) == sorted(expected))
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number).count(sms("rate_limited")) == 1
    assert len(fake_operator.sent_to(client.number)) == RATE_LIMIT + 1


def test_malformed_webhooks_get_a_clear_4xx(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    no_from = {k: v for k, v in client.form("aide").items() if k != "From"}
    no_sid = {k: v for k, v in client.form("aide").items() if k != "MessageSid"}
    not_a_number = client.form("aide", From="bonjour")
    for form in (no_from, no_sid, not_a_number, {}):
        status, text = client.post(form)
        assert status == 400, form
        assert "From" in text and "MessageSid" in text
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number) == []


def test_a_photo_without_text_gets_a_polite_request_to_write(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    status, _ = client.say(
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/x/Media/y",
        MediaContentType0="image/jpeg",
    )
    assert status == 200
    assert wait_until(lambda: fake_operator.sent_to(client.number) == [sms("media_only")])


def test_a_reply_is_kept_until_the_operator_is_back(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    fake_operator.fail_next(2)
    before = fake_operator.requests
    assert client.say("aide")[0] == 200
    assert wait_until(lambda: fake_operator.sent_to(client.number) == [sms("help")], timeout=30)
    assert fake_operator.requests - before >= 3  # two failures, then the send
    time.sleep(QUIET)
    assert fake_operator.sent_to(client.number) == [sms("help")]
