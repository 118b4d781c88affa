"""The web chat widget's Rasa input channel: serves the widget and its demo page, takes the
residents' messages and their "utile / pas utile".

Registered in credentials.yml as `channels.web.WebChatInput`, with `allowed_origins`, the sites
that may embed the widget (cors.py). Under /webhooks/web/:

- GET  widget.js, widget.css   the widget, served by the assistant itself (no CDN), its words
                               (bot/texts.yml's `web` section) written into widget.js
- GET  demo, demo-port         fictional partner pages of the two demo territories, each
                               embedding it with one script tag
- POST webhook                 {sender, message, territory?} → the bot's messages, as REST's
- POST feedback                {sender, territory?, useful, bot_text, fiche?, user_text?} → kept

The embed tag names the territory of the page (`data-territory`, the territory file's name);
without it, the deployment's default territory. One not served is a 400.
"""

import json
import logging
from asyncio import CancelledError
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.notices import unavailable_text
from bot.texts import section, text
from channels.action_failures import watching
from channels.inputs import BadInput
from channels.rate_limit import WebhookLimits
from channels.territories import with_territory
from channels.web.cors import CorsPolicy
from channels.web.inputs import feedback_input, message_input, read_json
from channels.web.storage import store_feedback

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "widget.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
    "demo.html": "text/html; charset=utf-8",
    "demo-port.html": "text/html; charset=utf-8",
}
# Short, so that a new widget reaches partners' pages within minutes of a deploy.
CACHE_CONTROL = "public, max-age=300"
# The demo page runs only the assistant's own code: a second line of defence against injection.
DEMO_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
# Where widget.js takes its words: the `web` section of the text catalogue, as a JS object.
TEXTS_MARKER = b"__WEB_TEXTS__"


def with_texts(widget: bytes) -> bytes:
    """widget.js with its words written in: no second request, and no widget without words
    (it must run on a partner's page even where the assistant's other answers are refused)."""
    if widget.count(TEXTS_MARKER) != 1:
        raise ValueError(f"widget.js must name {TEXTS_MARKER.decode()} once")
    words = json.dumps(section("web"), ensure_ascii=False).encode("utf-8")
    return widget.replace(TEXTS_MARKER, words)


class WebChatInput(InputChannel):
    """The channel behind the widget (`web`)."""

    @classmethod
    def name(cls) -> Text:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("allowed_origins") or [])

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self.cors = CorsPolicy(allowed_origins)
        self.files = {name: (STATIC / name).read_bytes() for name in FILES}
        self.files["widget.js"] = with_texts(self.files["widget.js"])

    def _file(self, name: str, headers: Optional[Dict[str, str]] = None) -> HTTPResponse:
        return response.raw(
            self.files[name],
            content_type=FILES[name],
            headers={"Cache-Control": CACHE_CONTROL, **(headers or {})},
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # A failed custom action adds a French notice to the answer (channels/action_failures.py).
        on_new_message = watching(on_new_message)
        web = Blueprint("web_chat", __name__)
        # Messages and "utile / pas utile" votes are limited apart (channels/rate_limit.py).
        messages, votes = WebhookLimits(), WebhookLimits()

        @web.middleware("request")
        async def refuse_other_sites(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and not self.cors.allows(
                request.headers.get("origin"), request.host
            ):
                return response.json(
                    {"error": "origine_refusee", "message": text("web_api.forbidden_origin")},
                    status=403,
                )
            return None

        @web.middleware("response")
        async def cors_headers(request: Request, resp: HTTPResponse) -> None:
            headers = self.cors.headers(
                request.headers.get("origin"), preflight=request.method == "OPTIONS"
            )
            # Rasa's own CORS settings (`rasa run --cors`) do not apply here: this list does.
            for name in [n for n in resp.headers if n.lower().startswith("access-control-")]:
                resp.headers.pop(name, None)
            resp.headers.update(headers)

        @web.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @web.route("/widget.js", methods=["GET"])
        async def widget_js(request: Request) -> HTTPResponse:
            return self._file("widget.js")

        @web.route("/widget.css", methods=["GET"])
        async def widget_css(request: Request) -> HTTPResponse:
            return self._file("widget.css")

        @web.route("/demo.css", methods=["GET"])
        async def demo_css(request: Request) -> HTTPResponse:
            return self._file("demo.css")

        @web.route("/demo", methods=["GET"])
        async def demo(request: Request) -> HTTPResponse:
            return self._file("demo.html", {"Content-Security-Policy": DEMO_CSP})

        @web.route("/demo-port", methods=["GET"])
        async def demo_port(request: Request) -> HTTPResponse:
            return self._file("demo-port.html", {"Content-Security-Policy": DEMO_CSP})

        @web.route("/webhook", methods=["POST", "OPTIONS"])
        async def receive(request: Request) -> HTTPResponse:
            if request.method == "OPTIONS":
                return response.empty()
            message, refusal = _admitted(request, messages, message_input)
            if refusal:
                return refusal
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message.text,
                        collector,
                        message.sender,
                        input_channel=self.name(),
                        metadata=with_territory(None, message.territory),
                    )
                )
            except (CancelledError, Exception):
                logger.exception("web: the bot failed to answer %s", message.sender)
                if not collector.messages:
                    return response.json(
                        {"error": "indisponible", "message": unavailable_text(message.territory)},
                        status=503,
                    )
            return response.json(collector.messages)

        @web.route("/feedback", methods=["POST", "OPTIONS"])
        async def feedback(request: Request) -> HTTPResponse:
            if request.method == "OPTIONS":
                return response.empty()
            feedback, refusal = _admitted(request, votes, feedback_input)
            if refusal:
                return refusal
            try:
                await store_feedback(self.name(), feedback)
            except SQLAlchemyError:
                logger.exception("web: feedback not stored")
                return response.json(
                    {"error": "indisponible", "message": text("web_api.feedback_unavailable")},
                    status=503,
                )
            return response.json(
                {"status": "ok", "message": text("web_api.feedback_thanks")}, status=201
            )

        return web


def _admitted(
    request: Request, limits: WebhookLimits, read: Callable[[Dict[str, Any]], Any]
) -> Tuple[Any, Optional[HTTPResponse]]:
    """What the request brings (`read` from its JSON body), or the answer refusing it: over its
    client address's or its conversation's limit (429), or bad input (400)."""
    limited = limits.check_address(request)
    if limited:
        return None, limited
    try:
        item = read(read_json(request.body, request.content_type))
    except BadInput as error:
        return None, response.json(error.as_json(), status=400)
    return item, limits.check_sender(item.sender)
