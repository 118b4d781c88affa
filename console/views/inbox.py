"""The review inbox: grouped messages by status, one group's details, status changes."""

import aiohttp_jinja2
from aiohttp import web

from bot.storage import review
from bot.storage.models import TODO, UNMET
from bot.texts import text
from console import labels
from console.database import run_db
from console.security import territories
from console.views.common import teach_choices, visible_quartiers

routes = web.RouteTableDef()


@routes.get("/", name="home")
async def home(request: web.Request):
    raise web.HTTPSeeOther("/boite")


@routes.get("/boite", name="inbox")
@aiohttp_jinja2.template("inbox.html")
async def inbox(request: web.Request):
    status = request.query.get("statut", TODO)
    if status not in labels.STATUSES:
        raise web.HTTPBadRequest(text=text("console.inbox.unknown_status"))

    mine = territories(request)

    def load(db):
        review.import_feedback(db)
        return review.groups(db, status, mine)

    return {"groups": await run_db(request.app, load), "status": status, "page": "inbox"}


@routes.get(r"/boite/{item_id:\d+}", name="item")
@aiohttp_jinja2.template("item.html")
async def item(request: web.Request):
    item_id, mine = int(request.match_info["item_id"]), territories(request)
    items = await run_db(request.app, lambda db: review.group_of(db, item_id, mine))
    if not items:  # gone, or of another territory: the same answer
        raise web.HTTPNotFound(text=text("console.inbox.item_gone"))
    return {
        "items": items,
        "first": items[0],
        "page": "inbox",
        "quartiers": visible_quartiers(request) + [labels.OTHER_QUARTIER],
        "choices": teach_choices(request.app),
    }


@routes.post(r"/boite/{item_id:\d+}/statut", name="set_status")
async def set_status(request: web.Request):
    form = await request.post()
    item_id = int(request.match_info["item_id"])
    status = str(form.get("statut", ""))
    theme, quartier = str(form.get("theme", "")), str(form.get("quartier", ""))
    if status not in labels.STATUSES:
        raise web.HTTPBadRequest(text=text("console.inbox.unknown_status"))
    if status == UNMET and (
        theme not in labels.THEMES
        or quartier not in visible_quartiers(request) + [labels.OTHER_QUARTIER]
    ):
        raise web.HTTPBadRequest(text=text("console.inbox.unmet_needs_place"))
    account_id, mine = request["account"].id, territories(request)
    changed = await run_db(
        request.app,
        lambda db: review.set_status(
            db, item_id, status, account_id, theme or None, quartier or None, territories=mine
        ),
    )
    if not changed:
        raise web.HTTPNotFound(text=text("console.inbox.item_unknown"))
    raise web.HTTPSeeOther("/boite")
