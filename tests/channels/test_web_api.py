"""The web channel over HTTP, on the real Rasa server: files served by the assistant itself, the
message endpoint, the feedback endpoint, CORS by allow-list, and clear 400s for bad input."""

import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.storage.database import make_engine, session_factory
from bot.storage.models import Feedback

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = yaml.safe_load((ROOT / "credentials.yml").read_text())["channels.web.WebChatInput"][
    "allowed_origins"
][0]
OTHER = "https://autre-site.example.net"


def request(url, method="GET", body=None, headers=None):
    """(status, headers, body bytes) of one request; HTTP errors are answers too."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {})} if data else headers or {}
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def web(assistant) -> str:
    return f"{assistant.rasa_url}/webhooks/web"


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def test_the_widget_and_demo_page_come_from_the_assistant_itself(web):
    status, headers, page = request(f"{web}/demo")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = page.decode()
    assert '<html lang="fr">' in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/webhooks/web/widget.js" data-territory="demo" defer>'
    ]
    status, _, port = request(f"{web}/demo-port")
    assert status == 200 and re.findall(r"<script[^>]*>", port.decode()) == [
        '<script src="/webhooks/web/widget.js" data-territory="demo-port" defer>'
    ]
    status, headers, script = request(f"{web}/widget.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    status, headers, style = request(f"{web}/widget.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    # No CDN, no external font: nothing is fetched from elsewhere.
    for text in (html, style.decode()):
        assert "http" not in text and "@import" not in text
    assert not re.search(
        r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", script.decode()
    )


def test_a_message_gets_the_bot_answer_as_from_the_rest_channel(web, kb):
    status, _, body = request(
        f"{web}/webhook",
        "POST",
        {"sender": sender(), "message": "c quoi ce contrat engagement jeune, g 20 ans"},
    )
    messages = json.loads(body)
    assert status == 200
    assert messages[0]["text"] == kb.fiche("cej").aspect("overview")
    assert messages[1]["custom"]["fiche"] == "cej"
    assert messages[1]["custom"]["sources"][0]["url"] == str(kb.fiche("cej").sources[0].url)
    # The age said gets the eligibility verdict next (issue 17), then a question on what is
    # still missing, with its buttons.
    assert messages[2]["text"].startswith("D'après ce que vous me dites")
    assert {b["title"] for b in messages[-1]["buttons"]} >= {"Oui", "Non", "Je ne sais pas"}


def test_an_allowed_origin_gets_the_cors_headers_and_another_does_not(web):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    status, headers, _ = request(
        f"{web}/webhook", "OPTIONS", headers={"Origin": ALLOWED, **preflight}
    )
    assert status in (200, 204)
    assert headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()

    status, headers, _ = request(
        f"{web}/webhook", "OPTIONS", headers={"Origin": OTHER, **preflight}
    )
    assert "Access-Control-Allow-Origin" not in headers

    status, headers, body = request(
        f"{web}/webhook", "POST", {"sender": sender(), "message": "merci"}, {"Origin": ALLOWED}
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == ALLOWED
    assert json.loads(body)[0]["text"]


def test_a_page_of_another_site_cannot_post(web):
    status, headers, body = request(
        f"{web}/feedback",
        "POST",
        {"sender": sender(), "useful": True, "bot_text": "Bonjour"},
        {"Origin": OTHER},
    )
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    assert json.loads(body)["error"] == "origine_refusee"


@pytest.mark.parametrize(
    "path, body, error",
    [
        ("webhook", b"c koi le cej", "pas_json"),
        ("webhook", b"[1, 2]", "pas_json"),
        ("webhook", {"sender": "test-abcdefgh", "message": "   "}, "message_vide"),
        ("webhook", {"sender": "test-abcdefgh"}, "message_vide"),
        ("webhook", {"sender": "test-abcdefgh", "message": "a" * 1001}, "message_trop_long"),
        ("webhook", {"sender": "test-abcdefgh", "message": "a" * 20_000}, "trop_long"),
        ("webhook", {"sender": "../x", "message": "bonjour"}, "sender_invalide"),
        (
            "feedback",
            {"sender": "test-abcdefgh", "useful": "oui", "bot_text": "x"},
            "useful_invalide",
        ),
        ("feedback", {"sender": "test-abcdefgh", "useful": False}, "bot_text_vide"),
        (
            "feedback",
            {"sender": "test-abcdefgh", "useful": True, "bot_text": "x", "fiche": "<b>"},
            "fiche_invalide",
        ),
        ("feedback", {"useful": True, "bot_text": "x"}, "sender_invalide"),
    ],
)
def test_bad_input_is_a_clear_400_in_french(web, path, body, error):
    status, headers, answer = request(f"{web}/{path}", "POST", body)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(answer)
    assert answer["error"] == error
    assert re.search(r"[éèàâç«]|\b(le|la|les|du|est|doit)\b", answer["message"])
    assert "Traceback" not in answer["message"]


def test_a_request_that_is_not_json_is_refused(web):
    status, _, answer = request(
        f"{web}/webhook",
        "POST",
        b"sender=x&message=y",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400 and json.loads(answer)["error"] == "pas_json"


def test_feedback_is_stored_without_the_phone_number_typed(web, assistant):
    conversation = sender()
    status, _, body = request(
        f"{web}/feedback",
        "POST",
        {
            "sender": conversation,
            "useful": False,
            "fiche": "cej",
            "bot_text": "Le CEJ : …",
            "user_text": "le cej c pour moi ? rappelez moi au 06 12 34 56 78",
        },
    )
    assert status == 201 and json.loads(body)["status"] == "ok"
    engine = make_engine(assistant.database_url)
    try:
        with session_factory(engine)() as db:
            row = db.execute(
                select(Feedback).where(Feedback.conversation == conversation)
            ).scalar_one()
    finally:
        engine.dispose()
    assert (row.channel, row.useful, row.fiche) == ("web", False, "cej")
    assert row.bot_text == "Le CEJ : …"
    assert "06 12" not in row.user_text and "[téléphone]" in row.user_text
