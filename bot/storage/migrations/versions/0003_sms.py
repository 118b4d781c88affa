"""SMS channel: inbound messages (idempotency, rate limit), the SMS outbox, opt-outs, pending
button choices. Phone numbers are stored as keyed hashes, except the recipient of an unsent SMS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Aware datetimes, stored in UTC (bot.storage.models.UTCDateTime converts on the way in and out).
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sms_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_inbound")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_inbound_message_sid")),
    )
    op.create_index(op.f("ix_sms_inbound_sender_hash"), "sms_inbound", ["sender_hash"])
    op.create_index(op.f("ix_sms_inbound_received_at"), "sms_inbound", ["received_at"])

    op.create_table(
        "sms_outbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_hash", sa.String(length=64), nullable=False),
        sa.Column("to_number", sa.String(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("next_attempt_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("operator_sid", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'dropped')", name=op.f("ck_sms_outbound_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_outbound")),
    )
    op.create_index(op.f("ix_sms_outbound_recipient_hash"), "sms_outbound", ["recipient_hash"])
    op.create_index(op.f("ix_sms_outbound_next_attempt_at"), "sms_outbound", ["next_attempt_at"])

    op.create_table(
        "sms_opt_out",
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("opted_out_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("sender_hash", name=op.f("pk_sms_opt_out")),
    )
    op.create_table(
        "sms_choice",
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("payloads", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("sender_hash", name=op.f("pk_sms_choice")),
    )


def downgrade() -> None:
    op.drop_table("sms_choice")
    op.drop_table("sms_opt_out")
    op.drop_table("sms_outbound")
    op.drop_table("sms_inbound")
