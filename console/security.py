"""Who may do what: argon2 password hashes, encrypted cookie sessions, CSRF tokens, roles.

Every page needs a signed-in, active account except the login page and the static files. Every
POST carries the session's CSRF token in a hidden field (`csrf_token`); a missing or wrong token
is refused with 403 before the handler runs, signed in or not.
"""

import hmac
import secrets
from functools import wraps
from typing import Optional
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import get_session, setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.storage.models import COORDINATOR, ConsoleAccount
from console.database import run_db

PUBLIC_PATHS = {"/connexion"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ACCOUNT_KEY = "account_id"
CSRF_KEY = "csrf"
SESSION_HOURS = 8

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def setup_security(app: web.Application, secret_key: bytes, secure_cookie: bool) -> None:
    setup_session(app, EncryptedCookieStorage(
        secret_key, cookie_name="console_session", httponly=True, samesite="Strict",
        secure=secure_cookie, max_age=SESSION_HOURS * 3600,
    ))
    app.middlewares.extend([csrf_middleware, auth_middleware])


def _is_public(request: web.Request) -> bool:
    return request.path in PUBLIC_PATHS or request.path.startswith("/static/")


@web.middleware
async def csrf_middleware(request: web.Request, handler):
    """Give the session a CSRF token; refuse a POST whose form does not carry it."""
    if request.path.startswith("/static/"):
        return await handler(request)
    session = await get_session(request)
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    request["csrf_token"] = session[CSRF_KEY]
    if request.method not in SAFE_METHODS:
        sent = (await request.post()).get("csrf_token")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session[CSRF_KEY]):
            raise web.HTTPForbidden(text="Jeton de sécurité manquant ou invalide. Rechargez la page.")
    return await handler(request)


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Load the signed-in account; anyone else goes to the login page (or gets 403 for a POST)."""
    if _is_public(request):
        return await handler(request)
    session = await get_session(request)
    account = await _active_account(request.app, session.get(ACCOUNT_KEY))
    if account is None:
        session.pop(ACCOUNT_KEY, None)
        if request.method in SAFE_METHODS:
            raise web.HTTPSeeOther(f"/connexion?suivant={quote(request.path_qs)}")
        raise web.HTTPForbidden(text="Connexion requise.")
    request["account"] = account
    return await handler(request)


async def _active_account(app: web.Application, account_id) -> Optional[ConsoleAccount]:
    if not isinstance(account_id, int):
        return None

    def load(db):
        account = db.get(ConsoleAccount, account_id)
        return account if account is not None and account.active else None

    return await run_db(app, load)


async def sign_in(request: web.Request, account: ConsoleAccount) -> None:
    """A fresh session (new CSRF token) for the account: nothing from before sign-in survives."""
    session = await get_session(request)
    session.invalidate()
    session = await get_session(request)
    session[ACCOUNT_KEY] = account.id
    session[CSRF_KEY] = secrets.token_urlsafe(32)


async def sign_out(request: web.Request) -> None:
    (await get_session(request)).invalidate()


def coordinator_only(handler):
    """Teaching and retraining change what the bot says: coordinators only."""

    @wraps(handler)
    async def guarded(request: web.Request):
        if request["account"].role != COORDINATOR:
            raise web.HTTPForbidden(text="Réservé aux coordinateurs et coordinatrices.")
        return await handler(request)

    return guarded
