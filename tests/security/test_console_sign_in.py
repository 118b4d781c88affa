"""The console's sign-in and exports against their attacks: guessing passwords, an open redirect
after login, a formula in a spreadsheet export."""

import csv
import io

import pytest

from bot.storage.export import spreadsheet_safe
from bot.storage.review import record_review
from tests.console.conftest import (  # noqa: F401 (fixtures)
    COORDINATOR_EMAIL,
    PASSWORD,
    anyio_backend,
    client,
    database_url,
    db,
    form_token,
    settings,
    sign_in,
)

pytestmark = pytest.mark.anyio


async def test_guessing_a_password_is_stopped_after_ten_attempts(client):
    token = await form_token(client, "/connexion")
    statuses = []
    for attempt in range(11):
        response = await client.post(
            "/connexion",
            data={
                "email": COORDINATOR_EMAIL,
                "mot_de_passe": f"essai-{attempt}",
                "csrf_token": token,
            },
        )
        statuses.append(response.status)
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert "Trop de tentatives" in await response.text()
    # Even the right password waits: the attempts are counted per email and per address.
    right = await client.post(
        "/connexion",
        data={"email": COORDINATOR_EMAIL, "mot_de_passe": PASSWORD, "csrf_token": token},
    )
    assert right.status == 429


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\n/evil.example",
        "javascript:alert(1)",
    ],
)
async def test_no_redirect_after_login_leaves_the_site(client, target):
    page = await client.get("/connexion")
    token = await form_token(client, "/connexion")
    assert page.status == 200
    response = await client.post(
        "/connexion",
        data={
            "email": COORDINATOR_EMAIL,
            "mot_de_passe": PASSWORD,
            "csrf_token": token,
            "suivant": target,
        },
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == "/", target


async def test_a_local_page_is_still_where_login_leads(client):
    token = await form_token(client, "/connexion")
    response = await client.post(
        "/connexion",
        data={
            "email": COORDINATOR_EMAIL,
            "mot_de_passe": PASSWORD,
            "csrf_token": token,
            "suivant": "/boite?statut=ignored",
        },
        allow_redirects=False,
    )
    assert response.headers["Location"] == "/boite?statut=ignored"


async def test_a_resident_formula_is_inert_in_the_needs_export(client, db):
    token = await sign_in(client)
    item = record_review(
        db,
        territory="demo",
        reason="fallback",
        text='=HYPERLINK("http://evil.example","x")',
        channel="rest",
    )
    await client.post(
        f"/boite/{item.id}/statut",
        data={
            "csrf_token": token,
            "statut": "unmet",
            "theme": "argent",
            "quartier": "Les Tilleuls",
        },
    )
    body = (await (await client.get("/besoins.csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][3].startswith("'="), rows


def test_spreadsheet_safe_quotes_every_formula_start():
    for text in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx"):
        assert spreadsheet_safe(text) == "'" + text
    assert spreadsheet_safe("Awa") == "Awa"


async def test_a_cookie_copied_before_sign_out_no_longer_signs_in(client):
    csrf = await sign_in(client)
    copied = {cookie.key: cookie.value for cookie in client.session.cookie_jar}
    assert copied, "the console keeps its session in a cookie"
    signed_out = await client.post("/deconnexion", data={"csrf_token": csrf}, allow_redirects=False)
    assert signed_out.status == 303
    # Someone who copied the cookie (a shared computer, a stolen backup) replays it.
    replayed = await client.get("/boite", cookies=copied, allow_redirects=False)
    assert replayed.status == 303 and replayed.headers["Location"].startswith("/connexion")
    # Before sign-out, the same cookie did open the inbox: the refusal is the sign-out's doing.
    await sign_in(client)
    cookie = {cookie.key: cookie.value for cookie in client.session.cookie_jar}
    client.session.cookie_jar.clear()
    assert (await client.get("/boite", cookies=cookie, allow_redirects=False)).status == 200
