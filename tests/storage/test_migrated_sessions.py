"""`migrated_sessions`: the servers' one way to reach a database they may be the first to use."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from bot.storage import database
from bot.storage.database import migrated_sessions


@pytest.fixture
def migrations(monkeypatch) -> list:
    """The URLs migrated during the test, in order (the real migration still runs)."""
    done = []
    real = database.migrate

    def counted(url=None):
        done.append(url)
        real(url)

    monkeypatch.setattr(database, "migrate", counted)
    return done


def test_a_url_is_migrated_once_and_keeps_one_factory(tmp_path, migrations):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        factories = list(pool.map(lambda _: migrated_sessions(url), range(16)))
    assert migrations == [url]
    assert all(factory is factories[0] for factory in factories)
    with factories[0]() as db:
        tables = set(inspect(db.connection()).get_table_names())
    assert {"booking", "outbox", "feedback", "sms_outbound", "bot_turn"} <= tables


def test_without_a_url_it_is_database_url(tmp_path, monkeypatch, migrations):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert migrated_sessions() is migrated_sessions(url)
    assert migrations == [url]


def test_a_failed_migration_is_tried_again_on_next_use(tmp_path, migrations):
    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder / 'app.db'}"
    with pytest.raises(OperationalError):
        migrated_sessions(url)
    folder.mkdir()
    with migrated_sessions(url)() as db:
        assert "booking" in inspect(db.connection()).get_table_names()
    assert migrations == [url, url]


def test_databases_migrated_at_once_by_several_threads_each_get_the_schema(tmp_path):
    """Alembic's state is global: the console's writer thread and a request thread must not
    mix their migrations."""
    urls = [f"sqlite:///{tmp_path / f'{n}.db'}" for n in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(database.migrate, urls))
    for url in urls:
        with migrated_sessions(url)() as db:
            assert "booking" in inspect(db.connection()).get_table_names()
