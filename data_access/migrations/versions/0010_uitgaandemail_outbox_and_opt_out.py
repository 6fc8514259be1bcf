"""uitgaandemail: the e-mail outbox; gebruiker: notifications can be turned off

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "uitgaandemail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("aangemaakt", _ts(), nullable=False),
        sa.Column("ontvanger", sa.String(200), nullable=False),
        sa.Column("onderwerp", sa.String(200), nullable=False),
        sa.Column("tekst", sa.Text(), nullable=False),
        sa.Column("sleutel", sa.String(120), nullable=True),
        sa.Column("pogingen", sa.Integer(), nullable=False),
        sa.Column("volgende_poging", _ts(), nullable=False),
        sa.Column("geclaimd_tot", _ts(), nullable=True),
        sa.Column("verzonden", _ts(), nullable=True),
        sa.Column("opgegeven", _ts(), nullable=True),
        sa.Column("laatste_fout", sa.String(500), nullable=True),
        sa.UniqueConstraint("sleutel", name="uq_uitgaandemail_sleutel"),
    )
    op.create_index("ix_uitgaandemail_verzonden", "uitgaandemail", ["verzonden"])
    with op.batch_alter_table("gebruiker") as batch:
        batch.add_column(
            sa.Column(
                "meldingen_per_mail", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("gebruiker") as batch:
        batch.drop_column("meldingen_per_mail")
    op.drop_index("ix_uitgaandemail_verzonden", table_name="uitgaandemail")
    op.drop_table("uitgaandemail")
