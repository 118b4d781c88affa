"""The console's aiohttp application: `create_app(settings)` wires the database, sessions and
CSRF, templates, pages and the retraining runner; `python -m console` serves it."""

import json
from datetime import datetime
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.knowledge import load_knowledge_base
from console import labels
from console.database import setup_database
from console.retrain import setup_retrain
from console.security import setup_security
from console.settings import Settings
from console.views import auth, dashboard, desk, fiches, inbox, local_offer, needs, teach
from console.views.common import KNOWLEDGE, SETTINGS

HERE = Path(__file__).resolve().parent
PARIS = ZoneInfo("Europe/Paris")
# Everything comes from this server; SVG charts are inline markup, not scripts.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def _local_time(value: Optional[datetime]) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else ""


def _percent(value: float) -> str:
    return f"{value * 100:.1f} %".replace(".", ",")


async def _context(request: web.Request) -> dict:
    return {
        "account": request.get("account"),
        "csrf_token": request.get("csrf_token", ""),
        "labels": labels,
    }


def create_app(settings: Optional[Settings] = None) -> web.Application:
    settings = settings or Settings()
    app = web.Application(middlewares=[security_headers])
    app[SETTINGS] = settings
    app[KNOWLEDGE] = load_knowledge_base()
    setup_database(app, settings.database_url)
    setup_security(app, settings.secret_key, settings.secure_cookie)
    auth.setup_sign_in_limits(app)
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        context_processors=[_context],
    )
    env.filters.update(local_time=_local_time, percent=_percent, from_json=json.loads)
    for module in (auth, inbox, teach, needs, dashboard, fiches, desk, local_offer):
        app.add_routes(module.routes)
    app.router.add_static("/static/", HERE / "static", name="static")
    setup_retrain(app, settings)
    return app
