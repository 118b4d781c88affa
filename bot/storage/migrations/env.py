"""Alembic environment: the same engine (and SQLite settings) as the application."""

from logging.config import fileConfig

from alembic import context

from bot.storage.database import database_url, make_engine
from bot.storage.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

engine = make_engine(config.attributes.get("database_url") or database_url())
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER much
        )
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
