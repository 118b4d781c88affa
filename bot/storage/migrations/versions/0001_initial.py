"""Café emploi bookings: centres sociaux, sessions, bookings, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Aware datetimes, stored in UTC (bot.storage.models.UTCDateTime converts on the way in and out).
UTC_DATETIME = sa.DateTime(timezone=True)
ACTIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    op.create_table(
        "centre_social",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("quartier", sa.String(length=120), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_centre_social")),
        sa.UniqueConstraint("slug", name=op.f("uq_centre_social_slug")),
    )
    op.create_table(
        "cafe_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC_DATETIME, nullable=False),
        sa.Column("theme", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_cafe_session_capacity_positive")),
        sa.CheckConstraint("booked >= 0", name=op.f("ck_cafe_session_booked_not_negative")),
        sa.CheckConstraint(
            "booked <= capacity", name=op.f("ck_cafe_session_booked_within_capacity")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centre_social.id"],
            name=op.f("fk_cafe_session_centre_id_centre_social"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cafe_session")),
        sa.UniqueConstraint("key", name=op.f("uq_cafe_session_key")),
    )
    op.create_index(op.f("ix_cafe_session_centre_id"), "cafe_session", ["centre_id"])
    op.create_index(op.f("ix_cafe_session_starts_at"), "cafe_session", ["starts_at"])

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("cancelled_at", UTC_DATETIME, nullable=True),
        sa.Column("consent_at", UTC_DATETIME, nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "status IN ('confirmed', 'waiting', 'cancelled')", name=op.f("ck_booking_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["cafe_session.id"], name=op.f("fk_booking_session_id_cafe_session")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_booking_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_booking_reference")),
    )
    op.create_index(op.f("ix_booking_phone"), "booking", ["phone"])
    op.create_index(
        op.f("uq_booking_session_phone_active"),
        "booking",
        ["session_id", "phone"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_outbox_booking_id_booking")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("kind", "booking_id", name=op.f("uq_outbox_kind_booking_id")),
    )
    op.create_index(op.f("ix_outbox_booking_id"), "outbox", ["booking_id"])
    op.create_index(op.f("ix_outbox_due_at"), "outbox", ["due_at"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children first for the foreign keys.
    op.drop_table("outbox")
    op.drop_table("booking")
    op.drop_table("cafe_session")
    op.drop_table("centre_social")
