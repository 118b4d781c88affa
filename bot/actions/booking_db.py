"""The action server's access to the booking database: `DATABASE_URL`, or the SQLite file under
`var/` by default (bot/storage/database.py).

The schema is migrated on the first use of a database in this process (`make run` has already
done it; this covers an action server started on its own). Database work runs in a worker
thread so one slow query does not stall every conversation. A database that is down, unreachable
or locked too long becomes `DatabaseUnavailable`, logged here once per failure: the actions
answer politely, the resident never sees a traceback.
"""

import logging
from typing import Callable, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.storage.database import database_url, in_worker_thread

logger = logging.getLogger(__name__)

T = TypeVar("T")
_DOWN = (OperationalError, InterfaceError, PoolTimeout)


class DatabaseUnavailable(RuntimeError):
    """The booking database cannot be used right now; nothing was changed."""


async def in_database(work: Callable[[Session], T]) -> T:
    """`work(db)` with a fresh session on the current `DATABASE_URL`, in a worker thread."""
    try:
        return await in_worker_thread(work)
    except _DOWN as error:
        shown = make_url(database_url()).render_as_string(hide_password=True)
        logger.error("booking database unavailable (%s): %s", shown, error)
        raise DatabaseUnavailable(str(error)) from error
