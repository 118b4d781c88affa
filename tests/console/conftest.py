"""A console on a real migrated SQLite database, served by a real aiohttp test server (anyio
runs the async tests on asyncio), with a coordinator and a staff account; `sign_in` logs a
client in through the login form."""

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.storage.database import make_engine, migrate, session_factory
from console.accounts import create_account
from console.app import create_app
from console.settings import Settings

PASSWORD = "un-mot-de-passe-assez-long"
COORDINATOR_EMAIL = "claire.exemple@example.org"
STAFF_EMAIL = "karim.fictif@example.org"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def make_database(url: str) -> None:
    """Migrate and add the two accounts (idempotent per test database)."""
    migrate(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as db:
            create_account(db, COORDINATOR_EMAIL, "coordinator", PASSWORD, "demo")
            create_account(db, STAFF_EMAIL, "staff", PASSWORD, "demo")
    finally:
        engine.dispose()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    make_database(url)
    return url


@pytest.fixture
def db(database_url):
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(
        database_url=database_url,
        work_dir=tmp_path / "work",
        new_intents_file=tmp_path / "new_intents.yml",
    )


@pytest.fixture
async def client(settings):
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def sign_in(client: TestClient, email: str = COORDINATOR_EMAIL) -> str:
    """Log in through the form; the session's CSRF token, for the next POSTs."""
    page = await client.get("/connexion")
    response = await client.post(
        "/connexion",
        data={
            "email": email,
            "mot_de_passe": PASSWORD,
            "csrf_token": csrf_of(await page.text()),
            "suivant": "/boite",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    inbox = await client.get("/boite")
    assert inbox.status == 200
    return csrf_of(await inbox.text())


async def form_token(client: TestClient, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200
    return csrf_of(await response.text())
