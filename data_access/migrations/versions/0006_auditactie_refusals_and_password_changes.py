"""auditactie: refused sessions and requests, password changes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OLD = (
    "download",
    "dossier_bekeken",
    "import",
    "gebruiker_aangemaakt",
    "gebruiker_gedeactiveerd",
    "gebruiker_geactiveerd",
)
_NEW = (*_OLD, "wachtwoord_gewijzigd", "sessie_geweigerd", "verzoek_geweigerd")


def _enum(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name="auditactie",
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in _NEW) + 4,
    )


def _swap(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    # SQLite rebuilds the table to change a CHECK; a rebuild drops its triggers, so the
    # append-only triggers of 0005 are taken down and put back around it (DROP TABLE fires
    # no trigger). PostgreSQL changes the constraint in place; its statement trigger does not
    # fire on ALTER TABLE.
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
