"""knelpunt: service-level deadlines for the first response and the decision

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("knelpunt") as batch:
        batch.add_column(sa.Column("reactie_deadline", sa.Date(), nullable=True))
        batch.add_column(sa.Column("besluit_deadline", sa.Date(), nullable=True))
    # Reports already in the register get the deadlines their category promises from the day
    # they were submitted, as if the targets had applied then.
    from data_access.register.service_levels import deadlines, submission_day

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, categorie, aangemaakt FROM knelpunt")).all()
    for knelpunt_id, categorie, aangemaakt in rows:
        reactie, besluit = deadlines(categorie, submission_day(aangemaakt))
        conn.execute(
            sa.text(
                "UPDATE knelpunt SET reactie_deadline = :r, besluit_deadline = :b WHERE id = :i"
            ),
            {"r": reactie, "b": besluit, "i": knelpunt_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("knelpunt") as batch:
        batch.drop_column("besluit_deadline")
        batch.drop_column("reactie_deadline")
