"""Signing in and out."""

import asyncio
import secrets

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from bot.storage.models import ConsoleAccount
from console.database import run_db
from console.security import hash_password, sign_in, sign_out, verify_password

routes = web.RouteTableDef()
# Checked even for an unknown email, so the answer time does not reveal which emails exist.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _next_page(value: str) -> str:
    """Only a path of this site: never an open redirect to another one."""
    return value if value.startswith("/") and not value.startswith("//") else "/"


@routes.get("/connexion", name="login")
@aiohttp_jinja2.template("login.html")
async def login_form(request: web.Request):
    return {"next": _next_page(request.query.get("suivant", "/")), "error": None}


@routes.post("/connexion")
async def login(request: web.Request):
    form = await request.post()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("mot_de_passe", ""))
    account = await run_db(request.app, lambda db: db.execute(
        select(ConsoleAccount).where(func.lower(ConsoleAccount.email) == email)
    ).scalar_one_or_none())
    valid = await asyncio.to_thread(
        verify_password, account.password_hash if account else _DUMMY_HASH, password
    )
    if account is None or not account.active or not valid:
        context = {"next": _next_page(str(form.get("suivant", "/"))),
                   "error": "Adresse e-mail ou mot de passe incorrect."}
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    await sign_in(request, account)
    raise web.HTTPSeeOther(_next_page(str(form.get("suivant", "/"))))


@routes.post("/deconnexion", name="logout")
async def logout(request: web.Request):
    await sign_out(request)
    raise web.HTTPSeeOther("/connexion")
