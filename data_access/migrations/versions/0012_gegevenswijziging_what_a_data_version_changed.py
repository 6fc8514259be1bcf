"""gegevenswijziging: what a data version changed, for the incremental snapshot refresh

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gegevenswijziging",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("versie", sa.Integer(), nullable=False),
        sa.Column("tabel", sa.String(40), nullable=False),
        sa.Column("maand", sa.Date(), nullable=True),
    )
    op.create_index("ix_gegevenswijziging_versie", "gegevenswijziging", ["versie"])


def downgrade() -> None:
    op.drop_index("ix_gegevenswijziging_versie", table_name="gegevenswijziging")
    op.drop_table("gegevenswijziging")
