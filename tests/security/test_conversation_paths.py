"""Attacks on the paths around the conversation, performed against the running services; each
must be refused (issue "close the paths around the conversation")."""

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import yaml
from sqlalchemy import select

from bot.rate_limit import SlidingWindow
from bot.storage.database import make_engine, session_factory
from bot.storage.models import Booking
from channels.rate_limit import WebhookLimits
from tests.channels.sms_support import new_number
from tests.conftest import Conversation, buttons

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _post(url: str, body: dict, headers: dict = None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def _cancel_call(reference: str) -> dict:
    """What an attacker would post to run the cancellation with a made-up tracker."""
    return {
        "next_action": "action_manage_booking",
        "sender_id": "attacker",
        "tracker": {
            "sender_id": "attacker",
            "slots": {"booking_reference": reference},
            "latest_message": {"text": "annuler", "intent": {"name": "cancel_booking"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
        "domain": DOMAIN,
        "version": "3.6.2",
    }


def _listening_addresses(port: int) -> set:
    """The local addresses with a TCP socket listening on `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(assistant):
    # 0100007F is 127.0.0.1; 00000000 would be every interface.
    assert _listening_addresses(assistant.action_port) == {"0100007F"}


def test_the_action_server_refuses_a_caller_without_the_shared_secret(assistant):
    url = f"{assistant.action_url}/webhook"
    for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": "guessed"}):
        status, body = _post(url, _cancel_call("CE-AB12"), headers)
        assert status == 401, (headers, status, body)
        assert "booking" not in body.lower()
    with urllib.request.urlopen(f"{assistant.action_url}/health", timeout=10) as health:
        assert health.status == 200  # readiness stays open: it says nothing
    try:
        urllib.request.urlopen(f"{assistant.action_url}/actions", timeout=10)
        raise AssertionError("the list of actions was given without the secret")
    except urllib.error.HTTPError as error:
        assert error.code == 401


def test_the_rest_body_cannot_choose_the_sms_channel(assistant):
    """A booking made over REST claiming `input_channel: sms` stays a REST booking: no SMS
    reminder goes to the number typed."""
    conversation = Conversation(assistant)
    url = conversation.url

    def say(text: str) -> list:
        status, body = _post(
            url, {"sender": conversation.sender, "message": text, "input_channel": "sms"}
        )
        assert status == 200, body
        return json.loads(body)

    offered = [
        b
        for b in buttons(say("je veux réserver au café emploi"))
        if b["payload"].startswith("/choose_session")
    ]
    say(offered[0]["payload"])
    number = new_number()
    say("Inès")
    say("0" + number[3:])
    say("oui")
    engine = make_engine(assistant.database_url)
    try:
        with session_factory(engine)() as db:
            [booking] = db.execute(select(Booking).where(Booking.phone == number)).scalars()
            assert booking.channel == "rest"
    finally:
        engine.dispose()


def test_one_conversation_cannot_flood_the_webhooks(assistant):
    """Beyond 30 messages a minute a conversation gets a French 429 (nothing reaches Rasa); the
    other conversations go on."""
    for path in ("/webhooks/rest/webhook", "/webhooks/web/webhook"):
        url = assistant.rasa_url + path
        sender = f"flood-{path.split('/')[2]}-{uuid.uuid4().hex[:8]}"
        statuses = [_post(url, {"sender": sender, "message": "/greet"})[0] for _ in range(30)]
        assert set(statuses) == {200}, statuses
        status, body = _post(url, {"sender": sender, "message": "/greet"})
        assert status == 429 and "Attendez une minute" in json.loads(body)["message"], body
        other = _post(url, {"sender": f"other-{uuid.uuid4().hex[:8]}", "message": "/greet"})
        assert other[0] == 200


def test_the_limits_count_per_key_within_the_window():
    now = [0.0]
    window = SlidingWindow(3, window=60, clock=lambda: now[0])
    assert [window.wait("a") for _ in range(3)] == [0, 0, 0]
    assert window.wait("a") == 60 and window.wait("b") == 0
    now[0] = 60.5
    assert window.wait("a") == 0


def test_a_client_address_beyond_its_limit_gets_a_french_429(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setenv("WEBHOOK_LIMIT_PER_ADDRESS", "2")
    limits = WebhookLimits()
    outside = SimpleNamespace(remote_addr="203.0.113.7", ip="203.0.113.7")
    assert limits.check_address(outside) is None and limits.check_address(outside) is None
    refused = limits.check_address(outside)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "Attendez une minute" in json.loads(refused.body)["message"]
    local = SimpleNamespace(remote_addr="", ip="127.0.0.1")  # this machine: the desk
    assert all(limits.check_address(local) is None for _ in range(5))


def test_someone_elses_booking_is_not_found_by_typing_their_number(assistant):
    """Booked with a number in one conversation; from another, over REST, that number finds
    nothing and reveals nothing (by SMS only the phone itself may use it)."""
    owner = Conversation(assistant)
    offered = [
        b
        for b in buttons(owner.say("je veux réserver au café emploi"))
        if b["payload"].startswith("/choose_session")
    ]
    owner.say(offered[0]["payload"])
    number = new_number()
    owner.say("Maëlle")
    owner.say("0" + number[3:])
    owner.say("oui")

    stranger = Conversation(assistant)
    stranger.say("je veux annuler mon inscription au café emploi")
    reply = " ".join(m.get("text", "") for m in stranger.say("0" + number[3:]))
    assert "seulement par SMS" in reply and "Maëlle" not in reply, reply
    guessed = " ".join(m.get("text", "") for m in stranger.say("CE-7K3P-9QX2"))
    assert "Je ne trouve pas d'inscription à venir" in guessed and "Maëlle" not in guessed


def _call(method: str, url: str, body: dict = None):
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_api_reloads_only_the_served_model(assistant, tmp_path):
    # A model is code the server runs: another file, a model server, training or unloading are
    # refused, even to a caller who reaches the API.
    planted = tmp_path / "planted.tar.gz"
    planted.write_bytes(assistant.model.read_bytes())
    model_url = f"{assistant.rasa_url}/model"
    assert _call("PUT", model_url, {"model_file": str(planted)}) == 403
    assert _call("PUT", model_url, {"model_server": {"url": "http://evil.example/m"}}) == 403
    assert (
        _call(
            "PUT",
            model_url,
            {"model_file": str(assistant.model), "model_server": {"url": "http://evil.example/m"}},
        )
        == 403
    )
    assert _call("POST", f"{model_url}/train", {"pipeline": []}) == 403
    assert _call("DELETE", model_url) == 403
    # The console's own activation: the served file, reloaded in place.
    assert _call("PUT", model_url, {"model_file": str(assistant.model.resolve())}) == 204
    assert Conversation(assistant).say("bonjour")
