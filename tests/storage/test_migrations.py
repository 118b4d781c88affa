"""The schema comes from the Alembic migrations alone, on both backends, and matches the models."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.storage.database import ALEMBIC_INI, make_engine, migrate
from bot.storage.models import Base

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
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = empty_database_url
    config.attributes["configure_logger"] = False
    command.downgrade(config, "base")
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) & TABLES == set()
    finally:
        engine.dispose()
