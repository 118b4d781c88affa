"""The console's database access: synchronous SQLAlchemy work in a worker thread, so that one
slow query does not stall every page."""

from typing import Callable, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.storage.database import in_worker_thread, make_engine, migrate, session_factory

T = TypeVar("T")
SESSIONS = web.AppKey("sessions", object)


def setup_database(app: web.Application, url: str) -> None:
    """Migrate the schema (as the action server does on first use) and keep one engine."""
    migrate(url)
    engine = make_engine(url)
    app[SESSIONS] = session_factory(engine)

    async def dispose(_app: web.Application) -> None:
        engine.dispose()

    app.on_cleanup.append(dispose)


async def run_db(app: web.Application, work: Callable[[Session], T]) -> T:
    return await in_worker_thread(work, app[SESSIONS])
