"""A captured SMS webhook request, replayed: refused by its message id for 7 days, and a message
id must be exactly Twilio's."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bot.storage.database import make_engine, migrate, session_factory
from channels.sms import store
from channels.sms.channel import MESSAGE_SID
from tests.channels.sms_support import (  # noqa: F401 (fixtures)
    SmsClient,
    fake_operator,
    sms_assistant,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'sms.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


NO_OPT = {"number": "+33639980000", "confirmations": {}}


def test_a_replayed_message_id_is_ignored_for_seven_days(db):
    sid, window = "SM" + uuid.uuid4().hex, timedelta(minutes=10)
    assert store.record_inbound(db, sid, "hash", "text", NOW, 10, window, **NO_OPT) is not None
    store.purge(db, NOW + timedelta(days=6, hours=23), window)
    assert (
        store.record_inbound(
            db, sid, "hash", "text", NOW + timedelta(days=6, hours=23), 10, window, **NO_OPT
        )
        is None
    )


def test_only_twilio_message_ids_are_accepted():
    assert MESSAGE_SID.match("SM" + uuid.uuid4().hex)
    assert MESSAGE_SID.match("MM" + "0" * 32)
    for loose in (
        "SMabc1234567",
        "XX" + "0" * 32,
        "SM" + "G" * 32,
        "SM" + "0" * 33,
        "sm" + "0" * 32,
    ):
        assert not MESSAGE_SID.match(loose), loose


def test_a_signed_request_with_a_made_up_message_id_is_refused(sms_assistant, fake_operator):
    client = SmsClient(sms_assistant)
    status, text = client.post(client.form("aide", MessageSid="SM" + "x1" * 8))
    assert status == 400 and "MessageSid" in text
    assert fake_operator.sent_to(client.number) == []
