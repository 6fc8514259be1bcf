"""knelpunt: questions to the reporter, reopening and putting on hold

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_OLD = (
    "nieuw",
    "in_behandeling",
    "geagendeerd",
    "besloten",
    "opgelost",
    "afgewezen",
    "samengevoegd",
    "ingetrokken",
)
_NEW = (
    *_OLD,
    "reactie_gevraagd",
    "reactie_ontvangen",
    "aangehouden",
    "verzoek_heropenen",
    "heropend",
)


def _enum(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="knelpunt_status",
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values) + 4,
    )


def upgrade() -> None:
    with op.batch_alter_table("knelpunt") as batch:
        batch.alter_column("status", existing_type=_enum(_OLD), type_=_enum(_NEW), nullable=False)
        batch.add_column(sa.Column("aangehouden_tot", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knelpunt") as batch:
        batch.drop_column("aangehouden_tot")
        batch.alter_column("status", existing_type=_enum(_NEW), type_=_enum(_OLD), nullable=False)
