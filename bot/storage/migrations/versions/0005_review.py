"""Coordinator console: accounts, the review inbox, taught examples, retraining runs, and the
text-free turn log the dashboard counts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Aware datetimes, stored in UTC (bot.storage.models.UTCDateTime converts on the way in and out).
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint(
            "role IN ('coordinator', 'staff')", name=op.f("ck_console_account_role_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_account")),
        sa.UniqueConstraint("email", name=op.f("uq_console_account_email")),
    )
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=300), nullable=False),
        sa.Column("intents", sa.Text(), nullable=False),
        sa.Column("bot_answer", sa.Text(), nullable=False),
        sa.Column("fiche", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="todo", nullable=False),
        sa.Column("theme", sa.String(length=30), nullable=True),
        sa.Column("quartier", sa.String(length=120), nullable=True),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", UTC_DATETIME, nullable=True),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "reason IN ('fallback', 'low_confidence', 'out_of_scope', 'not_useful')",
            name=op.f("ck_review_item_reason_known"),
        ),
        sa.CheckConstraint(
            "status IN ('todo', 'done', 'ignored', 'unmet')",
            name=op.f("ck_review_item_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["console_account.id"],
            name=op.f("fk_review_item_handled_by_console_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_item")),
        sa.UniqueConstraint("feedback_id", name=op.f("uq_review_item_feedback_id")),
    )
    op.create_index(op.f("ix_review_item_created_at"), "review_item", ["created_at"])
    op.create_index(op.f("ix_review_item_normalized"), "review_item", ["normalized"])
    op.create_index(op.f("ix_review_item_status"), "review_item", ["status"])
    op.create_table(
        "training_example",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=300), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=False),
        sa.Column("review_item_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_item_id"],
            ["review_item.id"],
            name=op.f("fk_training_example_review_item_id_review_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["console_account.id"],
            name=op.f("fk_training_example_created_by_console_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_example")),
        sa.UniqueConstraint("normalized", name=op.f("uq_training_example_normalized")),
    )
    op.create_table(
        "training_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("candidate_path", sa.String(length=500), nullable=False),
        sa.Column("scores", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("log_tail", sa.Text(), nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('training', 'evaluating', 'activated', 'rejected', 'failed')",
            name=op.f("ck_training_run_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["console_account.id"],
            name=op.f("fk_training_run_created_by_console_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_run")),
    )
    op.create_table(
        "bot_turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=True),
        sa.Column("fiche", sa.String(length=60), nullable=True),
        sa.CheckConstraint("kind IN ('answer', 'fallback')", name=op.f("ck_bot_turn_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_turn")),
    )
    op.create_index(op.f("ix_bot_turn_created_at"), "bot_turn", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bot_turn_created_at"), table_name="bot_turn")
    op.drop_table("bot_turn")
    op.drop_table("training_run")
    op.drop_table("training_example")
    op.drop_index(op.f("ix_review_item_status"), table_name="review_item")
    op.drop_index(op.f("ix_review_item_normalized"), table_name="review_item")
    op.drop_index(op.f("ix_review_item_created_at"), table_name="review_item")
    op.drop_table("review_item")
    op.drop_table("console_account")
