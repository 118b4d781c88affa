"""Signing in and out."""

import asyncio
import secrets
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from bot.rate_limit import SlidingWindow
from bot.storage.models import ConsoleAccount
from bot.texts import text
from console.database import run_db
from console.security import hash_password, sign_in, sign_out, verify_password

routes = web.RouteTableDef()
SIGN_IN_ATTEMPTS = web.AppKey("sign_in_attempts", SlidingWindow)
# Checked even for an unknown email, so the answer time does not reveal which emails exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


# Sign-in attempts per email and per client address in 15 minutes: a password cannot be
# guessed, and each attempt's argon2 check (64 MiB) cannot be used to exhaust the server.
ATTEMPTS, ATTEMPT_WINDOW_SECONDS = 10, 15 * 60


def _next_page(value: str) -> str:
    """Only a path of this site: never an open redirect to another one. Browsers drop tabs and
    line breaks and read a backslash as a slash: "/\t/evil.example" would leave the site."""
    if (
        not value.startswith("/")
        or "\\" in value
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return "/"
    parts = urlsplit(value)
    if value.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return value


def setup_sign_in_limits(app: web.Application) -> None:
    app[SIGN_IN_ATTEMPTS] = SlidingWindow(ATTEMPTS, ATTEMPT_WINDOW_SECONDS)


@routes.get("/connexion", name="login")
@aiohttp_jinja2.template("login.html")
async def login_form(request: web.Request):
    return {"next": _next_page(request.query.get("suivant", "/")), "error": None}


@routes.post("/connexion")
async def login(request: web.Request):
    form = await request.post()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("mot_de_passe", ""))
    attempts = request.app[SIGN_IN_ATTEMPTS]
    if attempts.wait(f"address:{request.remote}") or attempts.wait(f"email:{email}"):
        context = {
            "next": _next_page(str(form.get("suivant", "/"))),
            "error": text("console.auth.too_many_attempts"),
        }
        return aiohttp_jinja2.render_template("login.html", request, context, status=429)
    account = await run_db(
        request.app,
        lambda db: db.execute(
            select(ConsoleAccount).where(func.lower(ConsoleAccount.email) == email)
        ).scalar_one_or_none(),
    )
    valid = await asyncio.to_thread(
        verify_password, account.password_hash if account else _DUMMY_HASH, password
    )
    if account is None or not account.active or not valid:
        context = {
            "next": _next_page(str(form.get("suivant", "/"))),
            "error": text("console.auth.wrong_credentials"),
        }
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    await sign_in(request, account)
    raise web.HTTPSeeOther(_next_page(str(form.get("suivant", "/"))))


@routes.post("/deconnexion", name="logout")
async def logout(request: web.Request):
    await sign_out(request)
    raise web.HTTPSeeOther("/connexion")
