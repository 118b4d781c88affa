"""Several territories in one deployment: centres (and so their sessions and bookings), alerts,
review items, answers counted, emergency replies and feedback belong to one territory; a console
account belongs to one, except a regional account, which sees them all. An SMS goes from the
number of its territory (the one the resident wrote to).

Rows written before belong to the territory the deployment served then: TERRITORY, else demo.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import os

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("centre_social", "alert", "review_item", "bot_turn", "danger_reply", "feedback")


def upgrade() -> None:
    served = os.environ.get("TERRITORY") or "demo"
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("territory", sa.String(length=60), nullable=False, server_default=served)
            )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("territory", server_default=None)
            batch.create_index(op.f(f"ix_{table}_territory"), ["territory"])
    op.add_column("sms_outbound", sa.Column("from_number", sa.String(length=16), nullable=True))
    with op.batch_alter_table("console_account") as batch:
        batch.add_column(sa.Column("territory", sa.String(length=60), nullable=True))
    op.execute(sa.text("UPDATE console_account SET territory = :served").bindparams(served=served))
    with op.batch_alter_table("console_account") as batch:
        batch.drop_constraint(op.f("ck_console_account_role_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_console_account_role_known"), "role IN ('coordinator', 'staff', 'regional')"
        )
        batch.create_check_constraint(
            op.f("ck_console_account_territory_unless_regional"),
            "(role = 'regional') = (territory IS NULL)",
        )
        batch.create_index(op.f("ix_console_account_territory"), ["territory"])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM console_account WHERE role = 'regional'"))
    with op.batch_alter_table("console_account") as batch:
        batch.drop_index(op.f("ix_console_account_territory"))
        batch.drop_constraint(op.f("ck_console_account_territory_unless_regional"), type_="check")
        batch.drop_constraint(op.f("ck_console_account_role_known"), type_="check")
        batch.create_check_constraint(
            op.f("ck_console_account_role_known"), "role IN ('coordinator', 'staff')"
        )
        batch.drop_column("territory")
    with op.batch_alter_table("sms_outbound") as batch:
        batch.drop_column("from_number")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_territory"))
            batch.drop_column("territory")
