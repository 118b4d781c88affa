"""Storage for café emploi bookings: SQLAlchemy models, Alembic migrations and the services that
use them (booking, outbox, territory loading, export, retention).

This layer knows nothing of Rasa, actions or channels. SQLite by default, PostgreSQL through
`DATABASE_URL`; see `database.py`.
"""
