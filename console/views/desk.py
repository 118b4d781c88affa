"""The reception desk (/accueil): staff at a centre social ask the assistant for a resident and
see each answer's whole fiche; they can send it to the resident by SMS, with consent.

Plain forms, no JavaScript. The page shows the last exchange only: nothing of what the person
said is kept by the console, the session holds just the random conversation id.
"""

from datetime import date
from typing import Dict, List

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.knowledge import Fiche
from bot.knowledge.eligibility import check_fiche
from bot.knowledge.models import Fact
from bot.knowledge.review import OVERDUE, review
from bot.notices import unavailable_text
from bot.storage.models import DROPPED, PENDING, SENT
from bot.storage.phone import french_mobile
from bot.storage.review import DESK_SENDER_PREFIX
from bot.texts import section, text
from bot.transports.sms import OptedOut
from console.database import SESSIONS
from console.desk import AssistantUnavailable, Reply, ask, new_sender, read_turn
from console.desk_sms import send_fiche, sms_text
from console.labels import DANGERS
from console.views.common import desk_territory, knowledge, settings

routes = web.RouteTableDef()

SENDER_KEY = "desk_sender"
MAX_MESSAGE = 1000
CONSENT = "oui"
# The desk's pre-check form: the values of its yes / no answers, and the oldest age believed.
ANSWER_YES, ANSWER_NO = "yes", "no"
MAX_AGE = 120
SMS_OUTCOMES = {
    SENT: "console.desk.sms_sent",
    PENDING: "console.desk.sms_pending",
    DROPPED: "console.desk.sms_dropped",
}


def _overdue(fiche: Fiche) -> bool:
    """Whether staff should confirm the fiche's amounts and conditions before relying on them."""
    return review(fiche, date.today()).status == OVERDUE


async def _sender(request: web.Request, renew: bool = False) -> str:
    """The desk conversation of this staff session, started on first use."""
    session = await get_session(request)
    if renew or not str(session.get(SENDER_KEY, "")).startswith(DESK_SENDER_PREFIX):
        session[SENDER_KEY] = new_sender()
    return session[SENDER_KEY]


def _page(request: web.Request, status: int = 200, **context) -> web.Response:
    page = {
        "page": "desk",
        "question": None,
        "replies": [],
        "error": None,
        "notice": None,
        "sms": None,
        "sms_text": sms_text,
        "overdue": _overdue,
        "max_message": MAX_MESSAGE,
        "consent": CONSENT,
        "dangers": DANGERS,
        **_precheck_labels(),
    }
    return aiohttp_jinja2.render_template("desk.html", request, {**page, **context}, status=status)


@routes.get("/accueil", name="desk")
async def desk(request: web.Request):
    new = request.query.get("nouvelle") == "1"
    return _page(request, notice=text("console.desk.new_person") if new else None)


@routes.post("/accueil")
async def ask_assistant(request: web.Request):
    """A typed question, or a button of the bot (its payload, and its title to show)."""
    form = await request.post()
    message = str(form.get("message", "")).strip()
    shown = str(form.get("libelle", "")).strip() or message
    if not message or len(message) > MAX_MESSAGE:
        return _page(request, 400, error=text("console.desk.message"))
    sender = await _sender(request)
    try:
        messages = await ask(
            settings(request.app).rasa_url,
            sender,
            message,
            request["account"].id,
            desk_territory(request),
        )
    except AssistantUnavailable:
        error = unavailable_text(desk_territory(request))
        return _page(request, 503, question=shown, error=error)
    return _page(request, question=shown, replies=read_turn(messages, knowledge(request.app)))


@routes.post("/accueil/nouvelle")
async def new_person(request: web.Request):
    await _sender(request, renew=True)
    raise web.HTTPSeeOther("/accueil?nouvelle=1")


@routes.post("/accueil/sms")
async def send_by_sms(request: web.Request):
    """Consent and a French mobile number first; then the fiche's short answer is queued."""
    form = await request.post()
    fiche = knowledge(request.app).fiche(str(form.get("fiche", "")))
    if fiche is None:
        raise web.HTTPNotFound(text=text("console.desk.unknown_fiche"))
    replies = [Reply(fiche_id=fiche.id, fiche=fiche)]
    raw = str(form.get("telephone", "")).strip()[:40]
    number = french_mobile(raw)
    errors = {}
    if form.get("consentement") != CONSENT:
        errors["consent"] = text("console.desk.consent")
    if number is None:
        errors["number"] = text("console.desk.number")
    if not errors:
        try:
            outcome = await send_fiche(
                request.app[SESSIONS],
                settings(request.app).sms,
                fiche,
                number,
                request["account"].id,
                knowledge(request.app).territory_for(desk_territory(request)).sms_number,
            )
        except OptedOut:
            errors["number"] = text("console.desk.opted_out")
        else:
            return _page(request, replies=replies, notice=text(SMS_OUTCOMES[outcome]))
    sms = {"fiche": fiche.id, "number": raw, "errors": errors}
    return _page(request, 400, replies=replies, sms=sms)


@routes.post("/accueil/conditions", name="desk_conditions")
async def check_conditions(request: web.Request):
    """The fiche's conditions for the person at the desk, one by one (met, not met, to ask),
    from what staff filled in. A POST, so that nothing the person said reaches a URL or a log;
    nothing is stored."""
    form = await request.post()
    fiche = knowledge(request.app).fiche(str(form.get("fiche", "")))
    if fiche is None or fiche.rules is None:
        raise web.HTTPNotFound(text=text("console.desk.unknown_fiche"))
    facts = desk_facts(form, fiche.rules.facts())
    verdict = check_fiche(fiche, facts)
    context = {
        "page": "desk",
        "fiche": fiche,
        "facts": facts,
        "asked": fiche.rules.facts(),
        "rows": [(c, c.status(facts)) for c in fiche.rules.conditions],
        "verdict": verdict,
        **_precheck_labels(),
    }
    return aiohttp_jinja2.render_template("desk_conditions.html", request, context)


def desk_facts(form, names: List[str]) -> Dict[str, Fact]:
    """What staff filled in: an age in years, and "yes" / "no" for the statuses (anything else,
    "je ne sais pas" included, stays unknown)."""
    facts: Dict[str, Fact] = {}
    for name in names:
        value = str(form.get(name, "")).strip()
        if name == "age":
            if value.isdigit() and int(value) <= MAX_AGE:
                facts["age"] = int(value)
        elif value in (ANSWER_YES, ANSWER_NO):
            facts[name] = value == ANSWER_YES
    return facts


def _precheck_labels() -> Dict[str, Dict[str, str]]:
    return {
        "fact_labels": section("console.precheck.facts"),
        "answer_labels": section("console.precheck.answers"),
        "status_labels": section("console.precheck.statuses"),
        "verdict_labels": section("console.precheck.verdicts"),
    }
