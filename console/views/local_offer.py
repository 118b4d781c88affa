"""The local offer imported from data·inclusion, for coordinators: what residents are shown
when they ask "c'est où ?", with a warning on services whose data is over a year old (residents
see them last, without a warning: the coordinator checks them with the structure)."""

from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from bot.offer.query import offer_of
from bot.storage.models import utc_now
from console.database import run_db
from console.security import territories
from console.stats import PARIS

routes = web.RouteTableDef()


@routes.get("/offre-locale", name="local_offer")
@aiohttp_jinja2.template("local_offer.html")
async def local_offer(request: web.Request):
    today = datetime.date(utc_now().astimezone(PARIS))
    mine = territories(request)
    services = await run_db(request.app, lambda db: offer_of(db, mine, today))
    return {
        "page": "offer",
        "services": services,
        "stale": sum(1 for _, service in services if service.stale),
    }
