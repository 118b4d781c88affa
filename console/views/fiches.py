"""Keeping the knowledge true: every fiche, the most urgent review first
(bot/knowledge/review.py)."""

from datetime import date

import aiohttp_jinja2
from aiohttp import web

from bot.knowledge.review import DUE_SOON, OVERDUE, reviews
from console.views.common import knowledge

routes = web.RouteTableDef()


@routes.get("/fiches", name="fiches")
@aiohttp_jinja2.template("fiches.html")
async def fiches(request: web.Request):
    today = date.today()
    items = reviews(knowledge(request.app), today)
    return {
        "page": "fiches",
        "reviews": items,
        "today": today,
        "overdue": sum(1 for r in items if r.status == OVERDUE),
        "due_soon": sum(1 for r in items if r.status == DUE_SOON),
    }
