"""The web widget in a real headless Chromium, on the demo page, talking to the real bot: what a
resident sees and does (a question, a quick reply, a reload, "pas utile", a small phone, the
keyboard only, the tools), its accessibility (axe-core), and CORS as a browser applies it."""

import re
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from bot.storage.database import make_engine, session_factory
from bot.storage.models import Feedback

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 60_000
# Written as a resident would, not copied from the training data.
CEJ_QUESTION = "bjr g 19 ans et pas de taf, c koi le contrat engagement jeune exactement"
ALLOWED = yaml.safe_load((ROOT / "credentials.yml").read_text())["channels.web.WebChatInput"][
    "allowed_origins"
][0]


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium missing: apt-get install -y chromium (see .ci/run)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(assistant) -> str:
    return f"{assistant.rasa_url}/webhooks/web/demo"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    yield page
    context.close()
    assert errors == [], "the page raised errors or opened a dialog"


def open_widget(page, url):
    page.goto(url)
    launcher = page.get_by_role("button", name="Une question ? L'assistant répond")
    if launcher.is_visible():
        launcher.click()
    expect(page.get_by_label("Votre question")).to_be_focused()


def ask(page, text):
    """Type and send a message, wait for the bot's answer; that answer's turn."""
    answers = page.locator(".ce-turn-bot")
    count = answers.count()
    page.get_by_label("Votre question").fill(text)
    page.get_by_label("Votre question").press("Enter")
    expect(answers).to_have_count(count + 1, timeout=ANSWER_TIMEOUT_MS)
    return answers.nth(count)


def bot_text(turn) -> str:
    return " ".join(turn.locator(".ce-text").all_text_contents())


def test_a_question_gets_the_fiche_answer_with_its_source(page, demo, kb):
    fiche = kb.fiche("cej")
    open_widget(page, demo)
    turn = ask(page, CEJ_QUESTION)
    assert fiche.answer in bot_text(turn)
    # Folded under "Sources (n)", with the day the least recently read one was read.
    expect(turn.get_by_role("link", name=fiche.sources[0].title)).to_have_count(0)
    oldest = fiche.verified
    expect(turn.locator(".ce-updated")).to_have_text(
        re.compile(rf"^À jour au {oldest.day} \w+ {oldest.year}$")
    )
    turn.get_by_text(f"Sources ({len(fiche.sources)})").click()
    source = turn.get_by_role("link", name=fiche.sources[0].title)
    expect(source).to_have_attribute("href", str(fiche.sources[0].url))
    expect(source).to_have_attribute("target", "_blank")
    day = fiche.sources[0].verified
    expect(turn.locator(".ce-source")).to_contain_text(f"vérifiée le {day.day} ")
    expect(turn.locator(".ce-source")).to_contain_text(str(day.year))
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")


def test_a_quick_reply_sends_its_payload_and_shows_its_title(page, demo, kb):
    open_widget(page, demo)
    ask(page, "c koi le contrat engagement jeune exactement")
    answers = page.locator(".ce-turn-bot")
    page.get_by_role("button", name="C'est combien ?").click()
    expect(answers).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".ce-user").last).to_have_text(re.compile(r"C'est combien \?$"))
    assert kb.fiche("cej").aspect("amount") in bot_text(answers.last)
    expect(page.get_by_label("Votre question")).to_be_focused()


def test_the_conversation_survives_a_reload(page, demo, kb):
    open_widget(page, demo)
    ask(page, CEJ_QUESTION)
    sender = page.evaluate("JSON.parse(sessionStorage['cites-emploi-conversation']).sender")
    page.reload()
    expect(page.locator(".ce-user")).to_contain_text([CEJ_QUESTION])
    assert kb.fiche("cej").answer in bot_text(page.locator(".ce-turn-bot").first)
    expect(page.locator(".ce-source a")).to_have_count(len(kb.fiche("cej").sources))
    # The same conversation goes on: a follow-up is understood in its context.
    turn = ask(page, "et c'est combien par mois ?")
    assert kb.fiche("cej").aspect("amount") in bot_text(turn)
    assert page.evaluate("JSON.parse(sessionStorage['cites-emploi-conversation']).sender") == sender


def test_pas_utile_is_acknowledged_and_stored(page, demo, assistant, kb):
    open_widget(page, demo)
    turn = ask(page, CEJ_QUESTION)
    turn.get_by_role("button", name="Pas utile").click()
    expect(turn).to_contain_text("Merci pour votre avis !")
    expect(turn.get_by_role("button", name="Pas utile")).to_have_count(0)
    sender = page.evaluate("JSON.parse(sessionStorage['cites-emploi-conversation']).sender")
    engine = make_engine(assistant.database_url)
    try:
        with session_factory(engine)() as db:
            row = db.execute(select(Feedback).where(Feedback.conversation == sender)).scalar_one()
    finally:
        engine.dispose()
    assert (row.channel, row.useful, row.fiche, row.user_text) == (
        "web",
        False,
        "cej",
        CEJ_QUESTION,
    )
    assert row.bot_text.startswith(kb.fiche("cej").answer)


def test_a_320_px_phone_has_no_horizontal_scroll(page, demo):
    page.set_viewport_size({"width": 320, "height": 568})
    open_widget(page, demo)
    ask(page, CEJ_QUESTION)
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, document.body.scrollWidth,
                  document.querySelector('.ce-log').scrollWidth,
                  document.querySelector('.ce-log').clientWidth]"""
    )
    assert widths[0] <= 320 and widths[1] <= 320
    assert widths[2] <= widths[3]
    panel = page.locator(".ce-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
    # The title and the three icon buttons share one row.
    header = page.locator(".ce-header").bounding_box()
    title = page.locator(".ce-title").bounding_box()
    for name in ("Texte plus grand", "Nouvelle conversation", "Fermer l'assistant"):
        button = page.get_by_role("button", name=name).bounding_box()
        assert button["y"] >= header["y"] and button["y"] + button["height"] <= (
            header["y"] + header["height"]
        ), name
        assert button["x"] >= title["x"] + title["width"] - 1, name
    assert header["height"] <= 80
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "widget-320px.png"), full_page=True)


def test_keyboard_only_opens_asks_and_answers(page, demo, kb):
    page.goto(demo)
    launcher = page.get_by_role("button", name="Une question ? L'assistant répond")
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("node => node === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    outline = launcher.evaluate("node => getComputedStyle(node).outlineStyle")
    assert outline != "none", "the focused button shows no outline"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Votre question")).to_be_focused()
    page.keyboard.type(CEJ_QUESTION)
    page.keyboard.press("Enter")
    expect(page.locator(".ce-turn-bot")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    assert kb.fiche("cej").answer in bot_text(page.locator(".ce-turn-bot"))
    # Tab reaches the answer's controls, which are buttons, and its "Sources (n)" disclosure,
    # which Enter opens: its links come next. Escape closes, back to the launcher.
    kinds = []
    for _ in range(12):
        page.keyboard.press("Tab")
        kinds.append(page.evaluate("document.activeElement.tagName"))
        if kinds[-1] == "SUMMARY":
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            kinds.append(page.evaluate("document.activeElement.tagName"))
    assert "BUTTON" in kinds and "SUMMARY" in kinds and "A" in kinds, kinds
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()


def test_no_serious_or_critical_accessibility_violation(page, demo):
    open_widget(page, demo)
    turn = ask(page, CEJ_QUESTION)
    turn.get_by_role("button", name="Utile", exact=True).click()
    expect(turn).to_contain_text("Merci pour votre avis !")
    page.get_by_role("button", name="Texte plus grand").click()
    turn.get_by_text("Sources (").click()
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert len(results.response["passes"]) > 10  # axe did check the page
    assert page.evaluate("document.querySelector('.ce-widget').lang") == "fr"


def test_markup_in_a_message_is_shown_as_text(page, demo):
    markup = "<img src=x onerror=alert(1)>"
    open_widget(page, demo)
    ask(page, markup)
    expect(page.locator(".ce-user").last).to_contain_text(markup)
    assert page.locator(".ce-widget img").count() == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    page.reload()  # from the saved history too
    expect(page.locator(".ce-user").last).to_contain_text(markup)
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_larger_text_is_a_pressed_switch_kept_across_pages(page, demo):
    open_widget(page, demo)
    switch = page.get_by_role("button", name="Texte plus grand")
    expect(switch).to_have_attribute("aria-pressed", "false")
    size = lambda: page.evaluate(  # noqa: E731
        "parseFloat(getComputedStyle(document.querySelector('.ce-text, .ce-welcome')).fontSize)"
    )
    before = size()
    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert size() >= before * 1.2
    page.reload()
    expect(page.get_by_role("button", name="Texte plus grand")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_read_aloud_speaks_french_and_is_hidden_without_speech(browser, demo):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(
            """window.__spoken = [];
               window.speechSynthesis.speak = u => window.__spoken.push([u.lang, u.text]);"""
        )
        open_widget(page, demo)
        greeting = ask(page, "bonjour")
        expect(greeting.get_by_role("button", name="Écouter ce message")).to_have_count(0)
        turn = ask(page, CEJ_QUESTION)
        # Read-aloud on answers only, not on "Vous voulez en savoir plus ?".
        listen = turn.get_by_role("button", name="Écouter ce message")
        expect(listen).to_have_count(turn.locator(".ce-source").count())
        listen.first.click()
        spoken = page.evaluate("window.__spoken")
        shown = turn.locator(".ce-source").first.locator("xpath=..").locator(".ce-text")
        assert spoken == [["fr-FR", shown.text_content().removeprefix("L'assistant : ")]]

        silent = context.new_page()
        silent.add_init_script(
            "delete window.speechSynthesis; delete Window.prototype.speechSynthesis;"
        )
        open_widget(silent, demo)
        assert silent.evaluate("'speechSynthesis' in window") is False
        expect(silent.locator(".ce-bubble")).not_to_have_count(0)
        expect(silent.get_by_role("button", name="Écouter ce message")).to_have_count(0)
    finally:
        context.close()


def test_new_conversation_forgets_the_history_and_the_sender(page, demo):
    open_widget(page, demo)
    ask(page, "bonjour")
    state = "JSON.parse(sessionStorage['cites-emploi-conversation'])"
    sender = page.evaluate(f"{state}.sender")
    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(page.locator(".ce-turn")).to_have_count(0)
    assert page.evaluate(f"{state}.items") == []
    assert page.evaluate(f"{state}.sender") not in (sender, "")


def partner_page(assistant) -> str:
    return (
        "<!doctype html><html lang='fr'><head><title>Partenaire</title></head><body>"
        f"<main><h1>Partenaire</h1></main>"
        f"<script src='{assistant.rasa_url}/webhooks/web/widget.js' defer></script></body></html>"
    )


@pytest.mark.parametrize(
    "origin, answered", [(ALLOWED, True), ("https://autre-site.example.net", False)]
)
def test_a_partner_page_may_use_the_widget_only_from_an_allowed_origin(
    browser, assistant, origin, answered
):
    # The page comes from the partner's origin (served by the test), the widget from the
    # assistant. Chromium asks before a page out there reaches 127.0.0.1: granted, as if the
    # assistant had a public address.
    context = browser.new_context(permissions=["local-network-access"])
    try:
        page = context.new_page()
        url = f"{origin}/partenaire.html"
        page.route(
            url,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=partner_page(assistant)
            ),
        )
        open_widget(page, url)
        turn = ask(page, "bonjour")
        if answered:
            expect(turn.locator(".ce-text").first).not_to_contain_text("ne répond pas")
            expect(turn.get_by_role("button", name="Pas utile")).to_have_count(1)
        else:
            expect(turn.locator(".ce-text")).to_have_text(
                [
                    "L'assistant : L'assistant ne répond pas pour le moment. "
                    "Vérifiez votre connexion et réessayez."
                ]
            )
    finally:
        context.close()
