"""auditactie: retention (free text of old closed reports anonymised)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_OLD = (
    "download",
    "dossier_bekeken",
    "import",
    "gebruiker_aangemaakt",
    "gebruiker_gedeactiveerd",
    "gebruiker_geactiveerd",
    "wachtwoord_gewijzigd",
    "sessie_geweigerd",
    "verzoek_geweigerd",
)
_NEW = (*_OLD, "retentie")


def _enum(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="auditactie",
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in _NEW) + 4,
    )


def _swap(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    # As in 0006: SQLite rebuilds the table and its append-only triggers around it.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER auditregel_geen_update")
        op.execute("DROP TRIGGER auditregel_geen_delete")
    with op.batch_alter_table("auditregel", recreate="always" if sqlite else "auto") as batch:
        batch.alter_column("actie", existing_type=_enum(old), type_=_enum(new), nullable=False)
    if sqlite:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER auditregel_geen_{verb.lower()} BEFORE {verb} ON auditregel "
                "BEGIN SELECT RAISE(ABORT, 'het auditlog kan alleen worden aangevuld'); END"
            )


def upgrade() -> None:
    _swap(_OLD, _NEW)


def downgrade() -> None:
    _swap(_NEW, _OLD)
