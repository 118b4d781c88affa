"""Knowledge freshness: the fiches to check again."""

from datetime import date

import aiohttp_jinja2
from aiohttp import web

from console.freshness import months_before, stale_fiches
from console.views.common import knowledge, settings

routes = web.RouteTableDef()


@routes.get("/fiches", name="fiches")
@aiohttp_jinja2.template("fiches.html")
async def fiches(request: web.Request):
    today = date.today()
    months = settings(request.app).freshness_months
    return {
        "page": "fiches", "stale": stale_fiches(knowledge(request.app), today, months),
        "limit": months_before(today, months), "months": months,
        "total": len(knowledge(request.app).fiches),
    }
