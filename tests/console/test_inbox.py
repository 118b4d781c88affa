"""The inbox end to end: a message the running bot does not understand, with a phone number and
an email, reaches the console redacted; grouping, feedback, statuses and unmet needs."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, text

from bot.storage.database import make_engine
from bot.storage.feedback import record_feedback
from bot.storage.models import ReviewItem
from bot.storage.review import groups, normalize, record_review, set_status, unmet_needs
from console.app import create_app
from console.settings import Settings
from tests.conftest import Conversation, texts
from tests.console.conftest import make_database, sign_in

pytestmark = pytest.mark.anyio
PHONE, EMAIL = "06 39 98 12 34", "karim.test@example.org"
NOT_UNDERSTOOD = f"mon tel {PHONE} mon mail {EMAIL}, tu as une bonne recette de couscous ?"
OUT_OF_SCOPE_TEXT = "je ne peux pas répondre à cette question"


def _wait_for_review_items(url: str, containing: str, timeout: float = 20) -> list:
    """The review items whose text contains `containing` (the assistant's database is shared with
    other tests). The action server records after answering, in a worker thread: give it a
    moment."""
    engine = make_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT text, intents, channel, reason FROM review_item"
                        " WHERE text LIKE :marker"
                    ),
                    {"marker": f"%{containing}%"},
                ).all()
            if rows:
                return rows
            time.sleep(0.3)
        return []
    finally:
        engine.dispose()


async def test_an_unanswered_message_reaches_the_inbox_redacted(assistant, tmp_path):
    answer = Conversation(assistant).say(NOT_UNDERSTOOD)
    assert any(OUT_OF_SCOPE_TEXT in t for t in texts(answer)), answer

    rows = _wait_for_review_items(assistant.database_url, "couscous")
    assert len(rows) == 1
    stored, intents, channel, reason = rows[0]
    assert stored == "mon tel [téléphone] mon mail [email], tu as une bonne recette de couscous ?"
    assert channel == "rest" and reason == "out_of_scope"
    ranking = json.loads(intents)
    assert 1 <= len(ranking) <= 3 and all(0 <= r["confidence"] <= 1 for r in ranking)
    assert "nlu_fallback" not in [r["name"] for r in ranking]

    make_database(assistant.database_url)
    settings = Settings(database_url=assistant.database_url, work_dir=tmp_path / "work")
    async with TestClient(TestServer(create_app(settings))) as client:
        await sign_in(client)
        html = await (await client.get("/boite")).text()
    assert "mon tel [téléphone] mon mail [email]" in html
    assert PHONE not in html and EMAIL not in html
    assert ranking[0]["name"] in html and "Hors sujet" in html

    engine = make_engine(assistant.database_url)
    try:
        with engine.connect() as connection:
            dump = json.dumps(
                [list(map(str, r)) for r in connection.execute(text("SELECT * FROM review_item"))]
            )
            turns = connection.execute(text("SELECT kind, channel FROM bot_turn")).all()
    finally:
        engine.dispose()
    assert "39 98" not in dump and "example.org" not in dump
    assert ("fallback", "rest") in turns


def test_the_same_question_written_differently_is_one_group(db):
    for written in (
        "C'est quoi l'aide à la cantine ?",
        "c est quoi l aide a la cantine",
        "C'EST QUOI L'AIDE À LA CANTINE !!!",
    ):
        record_review(
            db,
            territory="demo",
            reason="fallback",
            text=written,
            channel="rest",
            ranking=[{"name": "info_garde_enfants", "confidence": 0.31}],
        )
    record_review(
        db, territory="demo", reason="low_confidence", text="ya un bus la nuit ?", channel="sms"
    )
    inbox = groups(db)
    assert [g.count for g in inbox] == [3, 1]
    assert inbox[0].latest.normalized == normalize("c'est quoi l'aide à la cantine")
    assert inbox[0].intents == [{"name": "info_garde_enfants", "confidence": 0.31}]


async def test_pas_utile_feedback_comes_into_the_inbox_once_and_redacted(client, db):
    record_feedback(
        db,
        territory="demo",
        channel="web",
        conversation="w-1",
        useful=False,
        fiche="cej",
        bot_text="Le CEJ ...",
        user_text=f"c koi le cej, rappelez moi {PHONE}",
    )
    record_feedback(
        db,
        territory="demo",
        channel="web",
        conversation="w-2",
        useful=True,
        fiche="cej",
        bot_text="Le CEJ ...",
        user_text="merci",
    )
    await sign_in(client)
    html = await (await client.get("/boite")).text()
    html_again = await (await client.get("/boite")).text()
    assert "c koi le cej, rappelez moi [téléphone]" in html and PHONE not in html
    assert "« Pas utile »" in html_again
    items = db.execute(select(ReviewItem)).scalars().all()
    assert [(i.reason, i.fiche) for i in items] == [("not_useful", "cej")]


async def test_statuses_and_unmet_needs_with_their_csv(client, db):
    first = record_review(
        db,
        territory="demo",
        reason="fallback",
        text="y a une aide pour la cantine ?",
        channel="rest",
    )
    record_review(
        db, territory="demo", reason="fallback", text="Y a une aide pour la cantine", channel="sms"
    )
    ignored = record_review(
        db, territory="demo", reason="out_of_scope", text="t'as vu le match", channel="rest"
    )
    token = await sign_in(client)

    incomplete = await client.post(
        f"/boite/{first.id}/statut",
        data={"csrf_token": token, "statut": "unmet", "theme": "argent"},
    )
    assert incomplete.status == 400
    marked = await client.post(
        f"/boite/{first.id}/statut",
        data={
            "csrf_token": token,
            "statut": "unmet",
            "theme": "argent",
            "quartier": "Les Tilleuls",
        },
    )
    assert marked.status == 200  # back on the inbox
    await client.post(
        f"/boite/{ignored.id}/statut", data={"csrf_token": token, "statut": "ignored"}
    )

    assert "Aucun message" in await (await client.get("/boite")).text()
    assert "t&#39;as vu le match" in await (await client.get("/boite?statut=ignored")).text()
    needs = await (await client.get("/besoins")).text()
    assert "Argent" in needs and "Les Tilleuls" in needs

    export = await client.get("/besoins.csv")
    body = await export.read()
    assert export.headers["Content-Type"].startswith("text/csv")
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "Thème;Quartier;Nombre de messages;Exemples"
    assert lines[1].startswith("Argent;Les Tilleuls;2;")


def test_an_unmet_need_needs_theme_and_quartier_and_old_items_are_purged(db):
    item = record_review(
        db, territory="demo", reason="fallback", text="aide cantine", channel="rest"
    )
    with pytest.raises(ValueError):
        set_status(db, item.id, "unmet", None, theme="argent")
    assert set_status(db, item.id, "unmet", None, theme="argent", quartier="Les Marronniers") == 1
    assert [(n.theme, n.quartier, n.count) for n in unmet_needs(db)] == [
        ("argent", "Les Marronniers", 1)
    ]
    later = datetime.now(timezone.utc) + timedelta(days=400)
    record_review(
        db, territory="demo", reason="fallback", text="autre chose", channel="rest", now=later
    )
    assert [i.text for i in db.execute(select(ReviewItem)).scalars()] == ["autre chose"]
