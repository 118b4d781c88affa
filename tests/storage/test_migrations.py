"""The schema comes from the Alembic migrations alone, on both backends, and matches the models."""

from datetime import datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from bot.storage.database import make_engine, migrate
from bot.storage.models import Base
from tests.storage.conftest import alembic_config

TABLES = {
    "centre_social",
    "cafe_session",
    "booking",
    "outbox",
    "alert",
    "alert_delivery",
    "feedback",
    "sms_inbound",
    "sms_outbound",
    "sms_opt_out",
    "sms_choice",
    "console_account",
    "review_item",
    "training_example",
    "training_run",
    "bot_turn",
    "danger_reply",
    "local_structure",
    "local_service",
}


def test_upgrade_creates_the_schema_of_the_models(empty_database_url):
    migrate(empty_database_url)
    migrate(empty_database_url)  # already at head: nothing to do
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) >= TABLES
            indexes = {i["name"]: i for i in inspect(connection).get_indexes("booking")}
            assert indexes["uq_booking_session_phone_active"]["unique"]
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_the_tables(empty_database_url):
    migrate(empty_database_url)
    command.downgrade(alembic_config(empty_database_url), "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) & TABLES == set()
    finally:
        engine.dispose()


def test_rows_written_before_territories_belong_to_the_territory_served_then(empty_database_url):
    """Upgrading a one-territory deployment: its rows and accounts go to TERRITORY (else demo);
    then an account is of one territory unless it is regional."""
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0009")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO centre_social (slug, name, address, quartier, accessibility, "
                    "opening_hours) VALUES ('tilleuls', 'C', 'A', 'Q', 'X', 'H')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO console_account (email, password_hash, role, created_at, active) "
                    "VALUES ('a@example.org', 'h', 'coordinator', :now, true)"
                ),
                {"now": datetime.now(timezone.utc)},
            )
        command.upgrade(config, "head")
        with engine.begin() as connection:
            assert (
                connection.execute(text("SELECT territory FROM centre_social")).scalar() == "demo"
            )
            assert connection.execute(text("SELECT territory FROM console_account")).scalar() == (
                "demo"
            )
        for role, territory in (("regional", "demo"), ("staff", None)):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO console_account (email, password_hash, role, created_at, "
                        "active, territory) VALUES (:email, 'h', :role, :now, true, :territory)"
                    ),
                    {
                        "email": f"{role}@example.org",
                        "role": role,
                        "now": datetime.now(timezone.utc),
                        "territory": territory,
                    },
                )
        command.downgrade(config, "0009")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("centre_social")}
            assert "territory" not in columns
    finally:
        engine.dispose()
