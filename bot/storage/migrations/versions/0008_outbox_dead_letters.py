"""One outbox engine: a message given up after its last attempt is kept, marked dead.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("outbox", sa.Column("dead_at", UTC_DATETIME, nullable=True))
    op.add_column("alert_delivery", sa.Column("dead_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert_delivery") as batch:
        batch.drop_column("dead_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("dead_at")
