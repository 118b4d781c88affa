"""Real databases for the storage tests: a SQLite file, and a throwaway PostgreSQL cluster.

The cluster is started once per test session from the Debian PostgreSQL binaries, on 127.0.0.1
and a free port, as the `postgres` system user when the tests run as root (initdb refuses root),
and removed at the end. Each test gets a fresh database on it.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg2
import pytest
from alembic.config import Config

from bot.launcher import free_port
from bot.storage.database import ALEMBIC_INI, make_engine, migrate, session_factory
from bot.storage.models import CafeSession
from bot.storage.territory import load_territory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TERRITORY = FIXTURES / "territory.yml"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
BACKENDS = ["sqlite", "postgresql"]


def _postgres_bin() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not versions:
        pytest.fail(
            "PostgreSQL server binaries not found (initdb): install them with "
            "`apt-get install -y postgresql` (Debian); the storage tests need them"
        )
    return Path(versions[-1]).parent


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="cites-emploi-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail(
                    "as root, the tests run PostgreSQL as the `postgres` system user, created "
                    "by the Debian package: `apt-get install -y postgresql`"
                )
            shutil.chown(self.root, user="postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            log = self.root / "log"
            pytest.fail(
                f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
                + (log.read_text() if log.exists() else "")
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def new_database(self) -> str:
        name = f"test_{uuid.uuid4().hex[:12]}"
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgres():
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path) -> str:
    """A database with no tables, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def database_url(empty_database_url) -> str:
    migrate(empty_database_url)
    return empty_database_url


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url, **_pool_options(database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def db_factory(engine):
    return session_factory(engine)


@pytest.fixture
def db(db_factory):
    with db_factory() as session:
        yield session


@pytest.fixture
def now() -> datetime:
    """The tests' present: before every session of the fixture territory but one."""
    return NOW


@pytest.fixture
def sessions(db) -> dict:
    """The fixture territory loaded; its sessions by key."""
    load_territory(db, TERRITORY, now=NOW)
    return {session.key: session for session in db.query(CafeSession)}


def _pool_options(url: str) -> dict:
    # Enough connections for the concurrency tests to contend for real on PostgreSQL.
    return {"pool_size": 20, "max_overflow": 20} if url.startswith("postgresql") else {}


def alembic_config(url: str) -> Config:
    """Alembic's configuration for `url`, to upgrade or downgrade step by step in a test."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config
