"""Danger: urgent alerts (the category, and a copy to the coordinator) and the text-free count
of the emergency replies for the dashboard.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("alert", sa.Column("danger", sa.String(length=30), nullable=True))
    op.add_column("alert", sa.Column("copy_email", sa.String(length=254), nullable=True))
    op.create_table(
        "danger_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_danger_reply")),
    )
    op.create_index(op.f("ix_danger_reply_created_at"), "danger_reply", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_danger_reply_created_at"), table_name="danger_reply")
    op.drop_table("danger_reply")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("copy_email")
        batch.drop_column("danger")
