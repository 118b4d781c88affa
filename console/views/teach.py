"""Teaching: a message becomes a training example; export, background retraining, its result."""

import json
import re

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from bot.storage import review
from bot.storage.models import TrainingRun
from bot.texts import text
from console import labels
from console.database import run_db
from console.retrain import JOBS, RUNNING, log_tail
from console.security import coordinator_only, territories
from console.training_data import domain_intents, export
from console.views.common import settings, teach_choices

routes = web.RouteTableDef()
NEW_INTENT = re.compile(r"^[a-z][a-z0-9_]{2,60}$")


@routes.post(r"/boite/{item_id:\d+}/enseigner", name="teach")
@coordinator_only
async def teach(request: web.Request):
    form = await request.post()
    new_intent = str(form.get("nouvelle_intention", "")).strip().lower()
    intent = new_intent or str(form.get("intention", ""))
    known = {value for group in teach_choices(request.app).values() for value, _ in group}
    if new_intent and not NEW_INTENT.match(new_intent):
        raise web.HTTPBadRequest(text=text("console.teach.bad_intent_name"))
    if not new_intent and intent not in known:
        raise web.HTTPBadRequest(text=text("console.teach.choose_intent"))
    item_id, account_id = int(request.match_info["item_id"]), request["account"].id
    try:
        mine = territories(request)
        await run_db(
            request.app, lambda db: review.teach(db, item_id, intent, account_id, territories=mine)
        )
    except LookupError:
        raise web.HTTPNotFound(text=text("console.inbox.item_unknown")) from None
    raise web.HTTPSeeOther("/apprentissage")


async def _page(request: web.Request, report=None) -> dict:
    def load(db):
        runs = (
            db.execute(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(10))
            .scalars()
            .all()
        )
        return review.examples(db), runs

    examples, runs = await run_db(request.app, load)
    intents = set(domain_intents(settings(request.app).domain_file))
    return {
        "page": "teach",
        "examples": examples,
        "runs": runs,
        "report": report,
        "known_intents": intents,
        "settings": settings(request.app),
        "running": request.app[JOBS].running(),
        "run_labels": labels.RUN_STATUSES,
    }


@routes.get("/apprentissage", name="training")
@coordinator_only
@aiohttp_jinja2.template("teach.html")
async def training(request: web.Request):
    return await _page(request)


async def _export(request: web.Request):
    config = settings(request.app)
    pairs = [(e.text, e.intent) for e in await run_db(request.app, review.examples)]
    return export(
        pairs,
        domain_file=config.domain_file,
        data_dir=config.data_dir,
        export_file=config.export_file,
        new_intents_file=config.new_intents_file,
        heldout_file=config.heldout_file,
    )


@routes.post("/apprentissage/exporter", name="export")
@coordinator_only
async def export_examples(request: web.Request):
    report = await _export(request)
    context = await _page(request, report)
    return aiohttp_jinja2.render_template("teach.html", request, context)


@routes.post("/apprentissage/reentrainer", name="retrain")
@coordinator_only
async def retrain(request: web.Request):
    await _export(request)
    try:
        run_id = await request.app[JOBS].start(request["account"].id)
    except RuntimeError as error:
        raise web.HTTPConflict(text=text("console.teach.cannot_start", error=error)) from error
    raise web.HTTPSeeOther(f"/apprentissage/entrainements/{run_id}")


@routes.get(r"/apprentissage/entrainements/{run_id:\d+}", name="run")
@coordinator_only
@aiohttp_jinja2.template("run.html")
async def run_page(request: web.Request):
    run_id = int(request.match_info["run_id"])
    run = await run_db(request.app, lambda db: db.get(TrainingRun, run_id))
    if run is None:
        raise web.HTTPNotFound(text=text("console.teach.run_unknown"))
    running = run.status in RUNNING
    return {
        "page": "teach",
        "run": run,
        "running": running,
        "status_label": labels.RUN_STATUSES[run.status],
        "scores": json.loads(run.scores) if run.scores else None,
        "log": log_tail(request.app[JOBS].log_path(run.id)) if running else (run.log_tail or ""),
    }
