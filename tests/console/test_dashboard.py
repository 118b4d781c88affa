"""Dashboard figures from the stored rows, drawn as inline SVG; the fiches to verify again."""

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.knowledge import load_knowledge_base
from bot.knowledge.review import review
from bot.storage.feedback import record_feedback
from bot.storage.review import record_turn
from console.stats import dashboard
from tests.console.conftest import sign_in

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def _activity(db, now=NOW):
    yesterday = now - timedelta(days=1)
    for conversation, channel, kind, fiche, when in [
        ("a", "rest", "answer", "cej", now),
        ("a", "rest", "answer", "cej", now),
        ("b", "sms", "answer", "logement", now),
        ("b", "sms", "fallback", None, now),
        ("c", "web", "answer", "cej", yesterday),
        ("old", "web", "answer", "cej", now - timedelta(days=40)),
    ]:
        record_turn(
            db,
            territory="demo",
            channel=channel,
            conversation=conversation,
            kind=kind,
            fiche=fiche,
            now=when,
        )
    for useful in (True, True, True, False):
        record_feedback(
            db,
            territory="demo",
            channel="web",
            conversation="w",
            useful=useful,
            bot_text="...",
            now=now,
        )


def test_figures_of_the_period(db):
    _activity(db)
    figures = dashboard(db, NOW, days=30)
    assert figures.conversations_on(NOW.date()) == 2
    assert figures.conversations[(NOW.date(), "sms")] == 1
    assert figures.conversations[(NOW.date() - timedelta(days=1), "web")] == 1
    assert figures.top_fiches == [("cej", 3), ("logement", 1)]
    assert figures.fallback_rate == pytest.approx(1 / 5)
    assert figures.useful_rate == pytest.approx(3 / 4)
    assert figures.alerts == 0 and figures.bookings == {}


async def test_the_dashboard_page_draws_its_charts(client, db):
    _activity(db, now=datetime.now(timezone.utc))
    await sign_in(client)
    html = await (await client.get("/tableau-de-bord?jours=7")).text()
    assert html.count("<svg") == 2 and 'role="img"' in html
    assert "Contrat d&#39;engagement jeune (CEJ)" in html
    assert "20,0 %" in html and "75,0 %" in html  # fallback rate, "utile" rate
    assert "<script" not in html


async def test_the_fiches_page_lists_every_fiche_the_most_urgent_review_first(client):
    await sign_in(client)
    html = await (await client.get("/fiches")).text()
    kb = load_knowledge_base()
    assert "Fiches à revoir" in html and f"sur {len(kb.fiches)}" in html
    dues = [review(f, date.today()).due for f in kb.fiches.values()]
    first = min(kb.fiches.values(), key=lambda f: html.index(f.title.replace("'", "&#39;")))
    assert review(first, date.today()).due == min(dues)
    assert first.owner.replace("'", "&#39;") in html


def _urgent_alert(db, when, danger="suicide"):
    from bot.storage.alerts import raise_alert

    alert = raise_alert(
        db,
        first_name="Awa",
        phone="+33639980041",
        email=None,
        theme="sante",
        quartier="Les Tilleuls",
        availability="vite",
        summary="...",
        channel="web",
        on_behalf=False,
        referent_name="Sophie Modèle (démo)",
        referent_email="referente-famille@example.org",
        territory="demo",
        danger=danger,
        copy_email="coordination-cite-emploi@example.org",
    )
    alert.created_at = when
    db.commit()
    return alert.reference


def test_danger_replies_are_counted_per_day_and_category_and_urgent_alerts_listed(db):
    from bot.storage.review import record_danger

    for category, when in [
        ("suicide", NOW),
        ("suicide", NOW),
        ("no_roof", NOW),
        ("no_roof", NOW - timedelta(days=1)),
        ("medical", NOW - timedelta(days=40)),
    ]:
        record_danger(db, territory="demo", channel="sms", category=category, now=when)
    reference = _urgent_alert(db, NOW - timedelta(minutes=125))
    figures = dashboard(db, NOW, days=30)
    assert figures.dangers == {
        (NOW.date(), "suicide"): 2,
        (NOW.date(), "no_roof"): 1,
        (NOW.date() - timedelta(days=1), "no_roof"): 1,
    }
    [urgent] = figures.urgent_alerts
    assert (urgent.reference, urgent.danger, urgent.delivered) == (reference, "suicide", False)
    assert urgent.waiting(NOW) == "2 h 05 min"


async def test_urgent_alerts_are_on_top_of_the_dashboard_with_the_time_since(client, db):
    from bot.storage.review import record_danger

    now = datetime.now(timezone.utc)
    record_danger(db, territory="demo", channel="web", category="domestic_violence", now=now)
    reference = _urgent_alert(db, now - timedelta(minutes=12), danger="domestic_violence")
    await sign_in(client)
    html = await (await client.get("/tableau-de-bord")).text()
    top = html.index("Alertes urgentes")
    assert top < html.index("Conversations par jour")
    assert reference in html[top:] and "12 min" in html[top:]
    assert "Violences conjugales ou familiales" in html
    assert "Awa" not in html and "+33639980041" not in html  # no name, no contact
