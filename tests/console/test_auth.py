"""Access: sign-in with argon2-hashed passwords, every page behind it, CSRF on every POST,
coordinator-only teaching, accounts created from the command line."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from bot.storage.models import ConsoleAccount
from console.security import verify_password
from tests.console.conftest import STAFF_EMAIL, form_token, sign_in

pytestmark = pytest.mark.anyio
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = [
    "/",
    "/boite",
    "/boite/1",
    "/apprentissage",
    "/besoins",
    "/besoins.csv",
    "/tableau-de-bord",
    "/fiches",
    "/accueil",
]


async def test_every_page_sends_a_stranger_to_the_login_page(client):
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/connexion?suivant=")
    login = await client.get("/connexion")
    assert login.status == 200
    html = await login.text()
    assert '<html lang="fr">' in html and '<label for="email">' in html
    assert (await client.get("/static/console.css")).status == 200


async def test_a_post_without_session_or_token_is_refused(client):
    token = await form_token(client, "/connexion")  # a session, but not signed in
    assert (await client.post("/boite/1/statut", data={"statut": "done"})).status == 403
    refused = await client.post("/boite/1/statut", data={"statut": "done", "csrf_token": token})
    assert refused.status == 403  # right token, but nobody signed in
    assert "Connexion requise" in await refused.text()


async def test_a_signed_in_post_needs_the_right_csrf_token(client):
    token = await sign_in(client)
    for data in ({"statut": "done"}, {"statut": "done", "csrf_token": "x" + token}):
        response = await client.post("/apprentissage/exporter", data=data)
        assert response.status == 403
        assert "Jeton de sécurité" in await response.text()
    done = await client.post("/apprentissage/exporter", data={"csrf_token": token})
    assert done.status == 200 and "Export effectué" in await done.text()


async def test_a_login_form_without_token_is_refused_and_a_wrong_password_fails(client):
    no_token = await client.post("/connexion", data={"email": STAFF_EMAIL, "mot_de_passe": "x"})
    assert no_token.status == 403
    token = await form_token(client, "/connexion")
    wrong = await client.post(
        "/connexion",
        data={"email": STAFF_EMAIL, "mot_de_passe": "pas-le-bon-mot-de-passe", "csrf_token": token},
    )
    assert wrong.status == 401
    assert "incorrect" in await wrong.text()
    assert (await client.get("/boite", allow_redirects=False)).status == 303


async def test_sign_in_gives_a_new_csrf_token_and_sign_out_ends_the_session(client):
    before = await form_token(client, "/connexion")
    after = await sign_in(client)
    assert after != before
    response = await client.post("/deconnexion", data={"csrf_token": after}, allow_redirects=False)
    assert response.status == 303
    assert (await client.get("/boite", allow_redirects=False)).status == 303


async def test_staff_review_the_inbox_but_only_coordinators_teach_and_retrain(client):
    token = await sign_in(client, STAFF_EMAIL)
    inbox = await client.get("/boite")
    assert "Apprentissage" not in await inbox.text()
    assert (await client.get("/apprentissage")).status == 403
    assert (
        await client.post("/apprentissage/reentrainer", data={"csrf_token": token})
    ).status == 403
    assert (
        await client.post("/boite/1/enseigner", data={"csrf_token": token, "intention": "info_cej"})
    ).status == 403


async def test_pages_forbid_framing_and_foreign_scripts(client):
    response = await client.get("/connexion")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_accounts_command_stores_only_an_argon2_hash(database_url, db):
    email = "nouvelle.coordinatrice@example.org"
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.accounts",
            "create",
            "--role",
            "coordinator",
            "--territory",
            "demo",
            "--email",
            email,
            "--password-stdin",
        ],
        input="cheval-agrafe-correct-42\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    assert created.returncode == 0, created.stderr
    account = db.execute(select(ConsoleAccount).where(ConsoleAccount.email == email)).scalar_one()
    assert account.role == "coordinator"
    assert account.password_hash.startswith("$argon2id$")
    assert "cheval" not in account.password_hash
    assert verify_password(account.password_hash, "cheval-agrafe-correct-42")
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.accounts",
            "create",
            "--role",
            "staff",
            "--territory",
            "demo",
            "--email",
            email,
            "--password-stdin",
        ],
        input="un-autre-mot-de-passe\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    assert again.returncode == 1 and "existe déjà" in again.stderr
    short = subprocess.run(
        [
            sys.executable,
            "-m",
            "console.accounts",
            "create",
            "--role",
            "staff",
            "--territory",
            "demo",
            "--email",
            "autre@example.org",
            "--password-stdin",
        ],
        input="court\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
    )
    assert short.returncode == 1 and "trop court" in short.stderr
