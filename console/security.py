"""Who may do what: argon2 password hashes, sessions, CSRF tokens, roles.

A session is an encrypted cookie holding a random token whose SHA-256 is kept on the server
(bot/storage/models.py: ConsoleSession) until it expires or its owner signs out: a copied cookie
stops working at sign-out, and an account made inactive loses its sessions at once.

Every page needs a signed-in, active account except the login page and the static files. Every
POST carries the session's CSRF token in a hidden field (`csrf_token`); a missing or wrong token
is refused with 403 before the handler runs, signed in or not.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps
from typing import Optional
from urllib.parse import quote

from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from bot.storage.database import transaction
from bot.storage.models import COORDINATOR, REGIONAL, ConsoleAccount, ConsoleSession, utc_now
from bot.storage.scope import EVERY_TERRITORY, Territories
from bot.texts import text
from console.database import run_db

PUBLIC_PATHS = {"/connexion"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TOKEN_KEY = "session_token"
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
    setup_session(
        app,
        EncryptedCookieStorage(
            secret_key,
            cookie_name="console_session",
            httponly=True,
            samesite="Strict",
            secure=secure_cookie,
            max_age=SESSION_HOURS * 3600,
        ),
    )
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
            raise web.HTTPForbidden(text=text("console.auth.csrf"))
    return await handler(request)


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Load the signed-in account; anyone else goes to the login page (or gets 403 for a POST)."""
    if _is_public(request):
        return await handler(request)
    session = await get_session(request)
    account = await _active_account(request.app, session.get(TOKEN_KEY))
    if account is None:
        session.pop(TOKEN_KEY, None)
        if request.method in SAFE_METHODS:
            raise web.HTTPSeeOther(f"/connexion?suivant={quote(request.path_qs)}")
        raise web.HTTPForbidden(text=text("console.auth.sign_in_required"))
    request["account"] = account
    return await handler(request)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def _active_account(app: web.Application, token) -> Optional[ConsoleAccount]:
    """The account of a session still on record and not expired, if that account is active."""
    if not isinstance(token, str):
        return None

    def load(db):
        return db.execute(
            select(ConsoleAccount)
            .join(ConsoleSession, ConsoleSession.account_id == ConsoleAccount.id)
            .where(
                ConsoleSession.token_hash == _token_hash(token),
                ConsoleSession.expires_at > utc_now(),
                ConsoleAccount.active.is_(True),
            )
        ).scalar_one_or_none()

    return await run_db(app, load)


async def sign_in(request: web.Request, account: ConsoleAccount) -> None:
    """A fresh session (new token, new CSRF token) for the account: nothing from before sign-in
    survives. Expired sessions of every account are deleted on the way."""
    token, now = secrets.token_urlsafe(32), utc_now()

    def record(db):
        with transaction(db):
            db.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
            db.add(
                ConsoleSession(
                    token_hash=_token_hash(token),
                    account_id=account.id,
                    created_at=now,
                    expires_at=now + timedelta(hours=SESSION_HOURS),
                )
            )

    await run_db(request.app, record)
    session = await get_session(request)
    session.invalidate()
    session = await get_session(request)
    session[TOKEN_KEY] = token
    session[CSRF_KEY] = secrets.token_urlsafe(32)


async def sign_out(request: web.Request) -> None:
    """End the session on the server too: the same cookie, copied before, no longer signs in."""
    session = await get_session(request)
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        await run_db(request.app, lambda db: _forget(db, _token_hash(token)))
    session.invalidate()


def _forget(db, token_hash: str) -> None:
    with transaction(db):
        db.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))


def territories(request: web.Request) -> Territories:
    """The territories the signed-in account may see: its own, or all for a regional one."""
    account = request["account"]
    return EVERY_TERRITORY if account.role == REGIONAL else [account.territory]


def coordinator_only(handler):
    """Teaching and retraining change what the bot says: coordinators (of a territory or of
    the region) only."""

    @wraps(handler)
    async def guarded(request: web.Request):
        if request["account"].role not in (COORDINATOR, REGIONAL):
            raise web.HTTPForbidden(text=text("console.auth.coordinators_only"))
        return await handler(request)

    return guarded
