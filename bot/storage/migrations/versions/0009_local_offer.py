"""The local offer: structures and services of each territory, imported from data·inclusion.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def _common_columns() -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.String(length=300), nullable=False),
    ]


def _address_columns() -> list:
    return [
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("complement_adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.String(length=5), nullable=True),
        sa.Column("commune", sa.String(length=150), nullable=True),
        sa.Column("telephone", sa.String(length=40), nullable=True),
        sa.Column("courriel", sa.String(length=320), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "local_structure",
        *_common_columns(),
        sa.Column("nom", sa.String(length=150), nullable=False),
        *_address_columns(),
        sa.Column("site_web", sa.Text(), nullable=True),
        sa.Column("horaires_accueil", sa.Text(), nullable=True),
        sa.Column("accessibilite_lieu", sa.Text(), nullable=True),
        sa.Column("date_maj", sa.Date(), nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_structure")),
        sa.UniqueConstraint(
            "territory",
            "source",
            "record_id",
            name=op.f("uq_local_structure_territory_source_record_id"),
        ),
    )
    op.create_table(
        "local_service",
        *_common_columns(),
        sa.Column("structure_id", sa.String(length=300), nullable=False),
        sa.Column("nom", sa.String(length=150), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("thematiques", sa.Text(), nullable=False),
        sa.Column("publics", sa.Text(), nullable=False),
        sa.Column("frais", sa.String(length=10), nullable=True),
        sa.Column("frais_precisions", sa.Text(), nullable=True),
        sa.Column("modes_accueil", sa.Text(), nullable=False),
        sa.Column("modes_mobilisation", sa.Text(), nullable=False),
        sa.Column("zone_eligibilite", sa.Text(), nullable=False),
        sa.Column("lien_mobilisation", sa.Text(), nullable=True),
        sa.Column("mobilisation_precisions", sa.Text(), nullable=True),
        *_address_columns(),
        sa.Column("horaires_accueil", sa.Text(), nullable=True),
        sa.Column("date_maj", sa.Date(), nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_local_service")),
        sa.UniqueConstraint(
            "territory",
            "source",
            "record_id",
            name=op.f("uq_local_service_territory_source_record_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("local_service")
    op.drop_table("local_structure")
