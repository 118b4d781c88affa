"""The console's database access: synchronous SQLAlchemy work in a worker thread, so that one
slow query does not stall every page."""

import asyncio
from typing import Callable, TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from bot.storage.database import make_engine, migrate, session_factory

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


def _work(app: web.Application, work: Callable[[Session], T]) -> T:
    with app[SESSIONS]() as db:
        return work(db)


async def run_db(app: web.Application, work: Callable[[Session], T]) -> T:
    return await asyncio.to_thread(_work, app, work)
