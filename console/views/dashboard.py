"""The dashboard: activity, the dispositifs asked, the fallback and "utile" rates, bookings."""

import aiohttp_jinja2
from aiohttp import web

from bot.storage.models import utc_now
from bot.texts import text
from console import charts
from console.database import run_db
from console.labels import DANGERS
from console.security import territories
from console.stats import dashboard as compute
from console.views.common import knowledge

routes = web.RouteTableDef()
PERIODS = (7, 30, 90)


@routes.get("/tableau-de-bord", name="dashboard")
@aiohttp_jinja2.template("dashboard.html")
async def dashboard(request: web.Request):
    try:
        days = int(request.query.get("jours", 30))
    except ValueError:
        days = 30
    days = days if days in PERIODS else 30
    now = utc_now()
    mine = territories(request)
    figures = await run_db(request.app, lambda db: compute(db, now, days, territories=mine))
    fiches = knowledge(request.app).fiches
    titles = [fiches[f].title if f in fiches else f for f, _ in figures.top_fiches]
    return {
        "page": "dashboard",
        "d": figures,
        "days": days,
        "periods": PERIODS,
        "now": now,
        "dangers": DANGERS,
        "top": [(title, count) for title, (_, count) in zip(titles, figures.top_fiches)],
        "conversations_chart": charts.columns(
            text("console.dashboard.conversations_chart"),
            [f"{day:%d/%m}" for day in figures.days],
            [figures.conversations_on(day) for day in figures.days],
        ),
        "fiches_chart": charts.bars(
            text("console.dashboard.fiches_chart"),
            titles,
            [count for _, count in figures.top_fiches],
        ),
    }
