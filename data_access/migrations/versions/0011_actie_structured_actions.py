"""actie: structured actions (what, who, deadline, status), linked to the decision

Replaces the one free-text action holder and deadline on a report and the free-text actions
of an agenda item: each becomes an open action (an action holder without a description keeps
its name as owner; a decision's action text keeps its text with owner 'onbekend').

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:40:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_STATUS = sa.Enum(
    "open",
    "gereed",
    "vervallen",
    name="actie_status",
    native_enum=False,
    create_constraint=True,
    length=13,
)


def upgrade() -> None:
    op.create_table(
        "actie",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "knelpunt_id",
            sa.Integer(),
            sa.ForeignKey("knelpunt.id", name="fk_actie_knelpunt_id_knelpunt"),
            nullable=False,
        ),
        sa.Column(
            "agendapunt_id",
            sa.Integer(),
            sa.ForeignKey("agendapunt.id", name="fk_actie_agendapunt_id_agendapunt"),
            nullable=True,
        ),
        sa.Column("omschrijving", sa.Text(), nullable=False),
        sa.Column("eigenaar", sa.String(120), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("aangemaakt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gewijzigd", sa.DateTime(timezone=True), nullable=False),
        sa.Column("versie", sa.Integer(), nullable=False),
    )
    op.create_index("ix_actie_knelpunt_id", "actie", ["knelpunt_id"])
    op.create_index("ix_actie_agendapunt_id", "actie", ["agendapunt_id"])
    op.create_index("ix_actie_status", "actie", ["status"])
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    actie = sa.table(
        "actie",
        sa.column("knelpunt_id", sa.Integer()),
        sa.column("agendapunt_id", sa.Integer()),
        sa.column("omschrijving", sa.Text()),
        sa.column("eigenaar", sa.String()),
        sa.column("deadline", sa.Date()),
        sa.column("status", sa.String()),
        sa.column("aangemaakt", sa.DateTime(timezone=True)),
        sa.column("gewijzigd", sa.DateTime(timezone=True)),
        sa.column("versie", sa.Integer()),
    )
    # Typed reads: SQLite hands back dates as text otherwise.
    knelpunt = sa.table(
        "knelpunt",
        sa.column("id", sa.Integer()),
        sa.column("actiehouder", sa.String()),
        sa.column("deadline", sa.Date()),
    )
    agendapunt = sa.table(
        "agendapunt",
        sa.column("id", sa.Integer()),
        sa.column("knelpunt_id", sa.Integer()),
        sa.column("acties", sa.Text()),
    )
    rows = [
        {
            "knelpunt_id": k,
            "agendapunt_id": None,
            "omschrijving": "Opvolging van de melding",
            "eigenaar": holder,
            "deadline": deadline,
        }
        for k, holder, deadline in conn.execute(
            sa.select(knelpunt.c.id, knelpunt.c.actiehouder, knelpunt.c.deadline).where(
                knelpunt.c.actiehouder.is_not(None)
            )
        )
    ] + [
        {
            "knelpunt_id": k,
            "agendapunt_id": a,
            "omschrijving": text,
            "eigenaar": "onbekend",
            "deadline": None,
        }
        for a, k, text in conn.execute(
            sa.select(agendapunt.c.id, agendapunt.c.knelpunt_id, agendapunt.c.acties).where(
                agendapunt.c.acties.is_not(None)
            )
        )
    ]
    if rows:
        conn.execute(
            actie.insert(),
            [
                r | {"status": "open", "aangemaakt": now, "gewijzigd": now, "versie": 1}
                for r in rows
            ],
        )
    with op.batch_alter_table("knelpunt") as batch:
        batch.drop_column("deadline")
        batch.drop_column("actiehouder")
    with op.batch_alter_table("agendapunt") as batch:
        batch.drop_column("acties")


def downgrade() -> None:
    with op.batch_alter_table("agendapunt") as batch:
        batch.add_column(sa.Column("acties", sa.Text(), nullable=True))
    with op.batch_alter_table("knelpunt") as batch:
        batch.add_column(sa.Column("actiehouder", sa.String(120), nullable=True))
        batch.add_column(sa.Column("deadline", sa.Date(), nullable=True))
    conn = op.get_bind()
    # Back to one text per decision and one holder per report (the earliest open action).
    for a, text in conn.execute(
        sa.text(
            "SELECT agendapunt_id, omschrijving || ' (' || eigenaar || ')' FROM actie "
            "WHERE agendapunt_id IS NOT NULL ORDER BY id"
        )
    ).all():
        conn.execute(
            sa.text(
                "UPDATE agendapunt SET acties = COALESCE(acties || '; ', '') || :t WHERE id = :a"
            ),
            {"t": text, "a": a},
        )
    actie = sa.table(
        "actie",
        sa.column("id", sa.Integer()),
        sa.column("knelpunt_id", sa.Integer()),
        sa.column("agendapunt_id", sa.Integer()),
        sa.column("eigenaar", sa.String()),
        sa.column("deadline", sa.Date()),
        sa.column("status", sa.String()),
    )
    knelpunt = sa.table(
        "knelpunt",
        sa.column("id", sa.Integer()),
        sa.column("actiehouder", sa.String()),
        sa.column("deadline", sa.Date()),
    )
    for k, holder, deadline in conn.execute(
        sa.select(actie.c.knelpunt_id, actie.c.eigenaar, actie.c.deadline)
        .where(actie.c.status == "open", actie.c.agendapunt_id.is_(None))
        .order_by(actie.c.id.desc())
    ).all():
        conn.execute(
            knelpunt.update()
            .where(knelpunt.c.id == k)
            .values(actiehouder=holder[:120], deadline=deadline)
        )
    op.drop_table("actie")
