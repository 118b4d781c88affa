"""The action server: rasa-sdk's own app, on loopback unless told otherwise, that runs an action
only for the caller holding the shared secret (the Rasa server, through endpoints.yml).

Without it anyone who can reach the port could post a made-up tracker and run
`action_manage_booking` to cancel a booking, or `action_submit_alert` with any slots.

    python -m bot.action_server [--host 127.0.0.1] [--port 5055]

ACTION_SERVER_TOKEN is required (the launcher draws one per start); ACTION_SERVER_HOST sets the
interface (deploy/ listens on the containers' network); SMS_HASH_KEY, the SMS channel's, lets it
check that a phone number typed by SMS is the sender's own.
"""

import argparse
import hmac
import logging
import os
from typing import Optional

from rasa_sdk.endpoint import create_app as create_sdk_app
from sanic import Sanic, response
from sanic.request import Request

from bot import log_privacy
from bot.settings import ACTION_TOKEN_VARIABLE, secret, sms_hash_key

OPEN_PATHS = {"/health"}  # the launcher's and the orchestrator's readiness check

logger = logging.getLogger(__name__)


def create_app(token: str) -> Sanic:
    app = create_sdk_app("bot.actions", cors_origins=None)
    expected = f"Bearer {token}".encode("utf-8")

    @app.middleware("request")
    async def require_the_shared_secret(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = (request.headers.get("Authorization") or "").encode("utf-8")
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def fail_without_echo(request: Request, exception: Exception) -> response.HTTPResponse:
        """rasa-sdk's own handler sends the request body back; this one says nothing of it."""
        logger.error("action server error on %s", request.path, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("ACTION_SERVER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    args = parser.parse_args()
    log_privacy.install()
    logging.basicConfig(level=logging.INFO)
    sms_hash_key()  # checked now: production refuses to start without it, not at the first SMS
    app = create_app(secret(ACTION_TOKEN_VARIABLE))
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
