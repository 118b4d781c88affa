"""Alert sender: delivers stored alerts to référents, by email and by a signed webhook.

    python -m bot.alerts [--once] [--interval SECONDS]

Configuration (environment):

- email: `SMTP_HOST`, `SMTP_PORT` (default 25), `ALERT_FROM` (sender address); with
  `SMTP_STARTTLS=1` the connection is upgraded to TLS (certificate checked) before anything is
  sent, and `SMTP_USER` / `SMTP_PASSWORD` log in. The email (bot/transports/email.py) goes to
  the référent the alert was routed to (bot/knowledge: the territory file); an urgent one
  (raised after a danger message) is marked so in its subject and goes to the coordinator too.
- webhook: `ALERT_WEBHOOK_URL`, `ALERT_WEBHOOK_SECRET`. The body is the alert as JSON, signed
  `X-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>`; any answer but 2xx, or
  no answer within 10 seconds, is a failure (bot/transports/webhook.py).

A target that is not configured keeps its deliveries pending (nothing is lost; they go once it
is). A failed send is retried with a growing delay, then given up after about a day and kept
with its error (bot/storage/alerts.py, the outbox engine). `make run` starts it
with the servers.

Every round also deletes the alerts past their retention (bot/storage/retention.py) and, once an
hour, the idle conversations of Rasa's SQL tracker store (bot/storage/conversations.py) when
`TRACKER_DB_HOST` and the other `TRACKER_DB_*` variables of deploy/endpoints.production.yml say
where it is.
"""

import logging
import os
import sys
import time
from typing import Callable, Dict, List, Mapping, Optional, Union

from sqlalchemy.engine import URL

from bot.settings import check_secret
from bot.storage.alerts import AlertMessage, deliver_due_alerts
from bot.storage.conversations import purge_conversations, tracker_store_url
from bot.storage.database import make_engine, session_factory
from bot.storage.models import EMAIL, WEBHOOK
from bot.storage.retention import purge_alerts
from bot.transports.email import smtp_transport
from bot.transports.webhook import webhook_transport
from bot.worker import run_rounds, worker_arguments

logger = logging.getLogger("bot.alerts")

DEFAULT_INTERVAL_SECONDS = 30
# The conversations are kept a day: an hour late at most is close enough, and cheaper.
CONVERSATION_PURGE_INTERVAL_SECONDS = 3600

Transport = Callable[[AlertMessage], None]


def configured_transports(env: Mapping[str, str] = os.environ) -> Dict[str, Transport]:
    """The transports the environment configures (see the module docstring)."""
    transports = {}
    if env.get("SMTP_HOST"):
        transports[EMAIL] = smtp_transport(
            env["SMTP_HOST"],
            int(env.get("SMTP_PORT") or 25),
            env.get("ALERT_FROM") or "assistant-cite-emploi@localhost",
            starttls=env.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
            user=env.get("SMTP_USER") or None,
            password=env.get("SMTP_PASSWORD"),
        )
    if env.get("ALERT_WEBHOOK_URL"):
        if not env.get("ALERT_WEBHOOK_SECRET"):
            raise SystemExit("ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not")
        transports[WEBHOOK] = webhook_transport(
            env["ALERT_WEBHOOK_URL"],
            check_secret("ALERT_WEBHOOK_SECRET", env["ALERT_WEBHOOK_SECRET"], env),
        )
    return transports


def conversation_purge(
    tracker_store: Optional[Union[str, URL]], clock: Callable[[], float] = time.monotonic
) -> Callable[[], None]:
    """What each round calls: the conversation purge, at most once an hour (None: never). It
    never fails a round: the alerts come first, and a failed purge waits for the next hour."""
    next_purge = clock()

    def purge() -> None:
        nonlocal next_purge
        if tracker_store is None or clock() < next_purge:
            return
        next_purge = clock() + CONVERSATION_PURGE_INTERVAL_SECONDS
        try:
            purged = purge_conversations(tracker_store)
        except Exception:
            logger.exception("conversation purge failed, next attempt in an hour")
            return
        logger.info("%d idle conversation(s) deleted from the tracker store", purged)

    return purge


def main(argv: List[str]) -> int:
    arguments = worker_arguments(
        "Deliver alerts to référents.", "ALERT_INTERVAL", DEFAULT_INTERVAL_SECONDS, argv
    )
    transports = configured_transports()
    if not transports:
        logger.warning("no alert target configured (SMTP_HOST, ALERT_WEBHOOK_URL): alerts wait")
    tracker_store = tracker_store_url()
    if tracker_store is None:
        logger.info("TRACKER_DB_HOST not set: no tracker store database, no conversation to purge")
    purge_idle_conversations = conversation_purge(tracker_store)
    engine = make_engine()

    def one_round() -> None:
        sent = deliver_due_alerts(session_factory(engine), transports)
        if sent:
            logger.info("%d alert delivery(ies) sent", sent)
        with session_factory(engine)() as db:
            purged, undelivered = purge_alerts(db)
        if purged:
            logger.info("%d alert(s) past retention deleted", purged)
        if undelivered:
            logger.warning("%d deleted alert(s) had never reached a target", undelivered)
        purge_idle_conversations()

    try:
        return run_rounds(one_round, arguments, logger)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
