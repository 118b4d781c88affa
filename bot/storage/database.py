"""Where the data lives: an engine and sessions for `DATABASE_URL`, and the schema migrations.

SQLite (a file under `var/`, nothing to start) by default, PostgreSQL in production; the same code
runs on both. The schema comes only from the Alembic migrations, never from `create_all`.
"""

import asyncio
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = ROOT / "var" / "cites-emploi.db"
ALEMBIC_INI = ROOT / "alembic.ini"

# How long a SQLite writer waits for another one to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option naming how a SQLite transaction begins (DEFERRED unless `transaction()` says).
SQLITE_BEGIN = "storage_sqlite_begin"

# Alembic keeps the migration it runs in module globals (`op`, `context`): two at once in one
# process (the console writer thread and a request, say) would run on each other's connection.
_migration_lock = threading.Lock()
# The session factories of `migrated_sessions`, one per URL, and the lock that makes the first
# use of a URL (its migration) happen once in this process.
_migrated: Dict[str, sessionmaker] = {}
_migrated_lock = threading.Lock()


def database_url() -> str:
    """`DATABASE_URL`, or the default SQLite file (its folder is created)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: Optional[str] = None, **options) -> Engine:
    """An engine for `url` (default: `database_url()`); `options` go to `create_engine`. Its
    errors never show the statement's parameters: they hold names and phone numbers, and errors
    end in logs."""
    engine = create_engine(url or database_url(), future=True, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL, a busy timeout, and transactions begun by us, not by pysqlite.

    pysqlite starts transactions late (never for a SELECT), so reads and writes would not be one
    atomic unit. And a transaction that read first can fail at once with "database is locked"
    when it then writes: `transaction()` begins IMMEDIATE (taking the write lock up front, so
    writers queue on the busy timeout); other transactions (plain reads) begin DEFERRED and, with
    WAL, block no one.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions whose objects stay readable after commit (callers read the booking they made)."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def transaction(db: Session) -> Iterator[Session]:
    """A new transaction for the block: committed if it succeeds, else rolled back.

    A transaction the session already had open (say, attributes it loaded) is committed first,
    so that the block's transaction begins with the SQLite write lock (IMMEDIATE); the option
    means nothing to PostgreSQL.
    """
    if db.in_transaction():
        db.commit()
    db.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise


def migrate(url: Optional[str] = None) -> None:
    """Bring the database at `url` (default: `database_url()`) to the latest schema."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url or database_url()
    config.attributes["configure_logger"] = False  # leave the application's logging alone
    with _migration_lock:
        command.upgrade(config, "head")


@contextmanager
def database_session(url: Optional[str] = None) -> Iterator[Session]:
    """One session on `url` (default: `database_url()`), its schema migrated first, for a
    command or a start-up step; the engine is closed afterwards."""
    url = url or database_url()
    migrate(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            yield db
    finally:
        engine.dispose()


def migrated_sessions(url: Optional[str] = None) -> sessionmaker:
    """Sessions on `url` (default: `database_url()`), its schema migrated on first use.

    For the servers that reach the database on their own (action server, Rasa server channels):
    `make run` has migrated it already, but a server started alone must not find an old schema.
    One factory (one engine, one pool) per URL for the whole process, migrated once; a failed
    migration is raised to the caller and not remembered, so the next use tries again.
    """
    url = url or database_url()
    with _migrated_lock:
        if url not in _migrated:
            migrate(url)
            _migrated[url] = session_factory(make_engine(url))
        return _migrated[url]


async def in_worker_thread(
    work: Callable[[Session], T], sessions: Optional[sessionmaker] = None
) -> T:
    """`work(db)` with a fresh session from `sessions` (default: the migrated sessions of
    `DATABASE_URL`), in a worker thread: a slow query never stalls a server's event loop."""

    def run() -> T:
        with (sessions or migrated_sessions())() as db:
            return work(db)

    return await asyncio.to_thread(run)
