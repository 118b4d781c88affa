"""The loop shared by the background senders (bot/reminders.py, bot/alerts.py).

A sender does one round (send what is due, purge what has expired) every few seconds until it
is told to stop (SIGTERM, SIGINT). The database may be down at start or at any round: the round
is logged and retried at the next one, and the schema is migrated at the first round that
reaches the database. `--once` does a single round; its exit code says whether it failed.
"""

import argparse
import logging
import os
import signal
import time
from typing import Callable, List

from sqlalchemy.exc import InterfaceError, OperationalError

from bot import log_privacy
from bot.storage.database import migrate


def worker_arguments(
    description: str, interval_variable: str, default_interval: float, argv: List[str]
) -> argparse.Namespace:
    """--once and --interval (default: the environment variable, else `default_interval`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    parser.add_argument(
        "--interval",
        type=float,
        default=float(os.environ.get(interval_variable, default_interval)),
        help=f"seconds between rounds (${interval_variable})",
    )
    arguments = parser.parse_args(argv)
    log_privacy.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return arguments


def run_rounds(
    one_round: Callable[[], None],
    arguments: argparse.Namespace,
    logger: logging.Logger,
    database_name: str = "database",
) -> int:
    """Call `one_round` every `arguments.interval` seconds until stopped; the exit code."""
    stop_requested = False

    def request_stop(signum, frame):
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    migrated = False
    while True:
        failed = False
        try:
            if not migrated:
                migrate()
                migrated = True
            one_round()
        except (OperationalError, InterfaceError) as error:
            failed = True
            logger.error("%s unavailable, retrying next round: %s", database_name, error)
        if arguments.once:
            return 1 if failed else 0
        deadline = time.monotonic() + arguments.interval
        while not stop_requested and time.monotonic() < deadline:
            time.sleep(min(0.5, arguments.interval))
        if stop_requested:
            return 0
