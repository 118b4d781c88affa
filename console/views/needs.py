"""Unmet needs per theme and quartier, on screen and as a CSV for Excel."""

import csv
import io

import aiohttp_jinja2
from aiohttp import web

from bot.storage import review
from bot.storage.export import spreadsheet_safe
from bot.storage.models import utc_now
from bot.texts import entry
from console import labels
from console.database import run_db
from console.security import territories

routes = web.RouteTableDef()


@routes.get("/besoins", name="needs")
@aiohttp_jinja2.template("needs.html")
async def needs(request: web.Request):
    mine = territories(request)
    return {
        "page": "needs",
        "needs": await run_db(request.app, lambda db: review.unmet_needs(db, mine)),
        "themes": labels.THEMES,
    }


@routes.get("/besoins.csv", name="needs_csv")
async def needs_csv(request: web.Request):
    """UTF-8 with a byte order mark and `;` separators: French Excel opens it as it should."""
    mine = territories(request)
    rows = await run_db(request.app, lambda db: review.unmet_needs(db, mine))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(entry("console.needs_columns"))
    for need in rows:
        writer.writerow(
            [
                spreadsheet_safe(labels.THEMES.get(need.theme, need.theme)),
                spreadsheet_safe(need.quartier),
                need.count,
                spreadsheet_safe(" | ".join(need.examples)),
            ]
        )
    filename = f"besoins-non-couverts-{utc_now():%Y-%m-%d}.csv"
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
