"""Alerts to a référent and their deliveries (the alert outbox).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Aware datetimes, stored in UTC (bot.storage.models.UTCDateTime converts on the way in and out).
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("consent_at", UTC_DATETIME, nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("theme", sa.String(length=30), nullable=False),
        sa.Column("quartier", sa.String(length=120), nullable=False),
        sa.Column("availability", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("referent_name", sa.String(length=200), nullable=False),
        sa.Column("referent_email", sa.String(length=254), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "phone IS NOT NULL OR email IS NOT NULL", name=op.f("ck_alert_reachable")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("reference", name=op.f("uq_alert_reference")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_alert_idempotency_key")),
    )
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "target IN ('email', 'webhook')", name=op.f("ck_alert_delivery_target_known")
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_delivery_alert_id_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery")),
        sa.UniqueConstraint("alert_id", "target", name=op.f("uq_alert_delivery_alert_id_target")),
    )
    op.create_index(op.f("ix_alert_delivery_alert_id"), "alert_delivery", ["alert_id"])
    op.create_index(
        op.f("ix_alert_delivery_next_attempt_at"), "alert_delivery", ["next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_delivery_next_attempt_at"), table_name="alert_delivery")
    op.drop_index(op.f("ix_alert_delivery_alert_id"), table_name="alert_delivery")
    op.drop_table("alert_delivery")
    op.drop_table("alert")
