"""Console sessions kept on the server: signing out revokes the session, even a copied cookie.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["console_account.id"],
            name=op.f("fk_console_session_account_id_console_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_session")),
    )
    op.create_index(op.f("ix_console_session_account_id"), "console_session", ["account_id"])
    op.create_index(op.f("ix_console_session_expires_at"), "console_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_session_expires_at"), table_name="console_session")
    op.drop_index(op.f("ix_console_session_account_id"), table_name="console_session")
    op.drop_table("console_session")
