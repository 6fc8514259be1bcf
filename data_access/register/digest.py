"""The kerngroep's weekly digest: new reports, reports past their service level, actions due.

`python -m data_access digest --send` puts one mail per kerngroep member in the outbox and
sends it; run from cron or a systemd timer (README). Each member gets a week's digest once,
however often the command runs (the outbox key names the ISO week). `--dry-run` prints it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope, digest_recipients
from data_access.db import session_scope
from data_access.labels import STATUS, TIJDIGHEID, label
from data_access.mail import OUTBOX, Bericht, message, queue, report_url
from data_access.models import Actie, ActieStatus, Gebruiker, Knelpunt
from data_access.register.reads import RegisterFilter, register
from data_access.register.service_levels import Tijdigheid
from data_access.register.workflow import OPEN
from data_access.settings import get_settings

WEEK = dt.timedelta(days=7)
LONGEST_LIST = 25  # per section; the rest is counted, and the queue has them all


@dataclass(frozen=True)
class Weekoverzicht:
    week: str  # "2026-W49"
    nieuw: int
    te_laat: int
    acties: int
    bericht: Bericht


def _lines(items: list[str]) -> str:
    shown = items[:LONGEST_LIST]
    more = len(items) - len(shown)
    return "\n".join([*(f"- {i}" for i in shown), *([f"- en nog {more}"] if more > 0 else [])])


def _link(referentie: str) -> str:
    return f" {report_url('kerngroep', referentie)}" if get_settings().app_url else ""


def weekly_digest(engine: Engine, *, vandaag: dt.date) -> Weekoverzicht:
    """What the kerngroep should know this week, as one mail text."""
    scope = Scope.operator()  # the digest goes to the kerngroep, who see every report
    queue_now = register(engine, scope, filters=RegisterFilter(vandaag=vandaag))
    created = pd.to_datetime(queue_now["aangemaakt"], utc=True).dt.date
    new = queue_now[created > vandaag - WEEK]
    late = queue_now[
        queue_now["status"].isin([s.value for s in OPEN])
        & queue_now["tijdigheid"].isin([Tijdigheid.TE_LAAT.value, Tijdigheid.RUIM_TE_LAAT.value])
    ]
    with engine.connect() as conn:
        due = conn.execute(
            sa.select(Actie.omschrijving, Actie.eigenaar, Actie.deadline, Knelpunt.referentie)
            .join(Knelpunt, Knelpunt.id == Actie.knelpunt_id)
            .where(
                Actie.status == ActieStatus.OPEN,
                Actie.deadline.is_not(None),
                Actie.deadline <= vandaag + WEEK,
            )
            .order_by(Actie.deadline, Actie.id)
        ).all()
    year, week, _ = vandaag.isocalendar()
    iso_week = f"{year}-W{week:02d}"
    sections = [
        f"Weekoverzicht van het knelpuntenregister, week {week} ({vandaag:%d-%m-%Y}).",
        f"Nieuwe meldingen in de afgelopen week: {len(new)}\n"
        + _lines(
            [
                f"{r.referentie} – {r.titel} ({label(STATUS, r.status)}){_link(r.referentie)}"
                for r in new.itertuples()
            ]
        ),
        f"Open meldingen buiten de servicenorm: {len(late)}\n"
        + _lines(
            [
                f"{r.referentie} – {r.titel} ({label(TIJDIGHEID, r.tijdigheid).lower()})"
                f"{_link(r.referentie)}"
                for r in late.itertuples()
            ]
        ),
        f"Acties met een deadline tot en met {vandaag + WEEK:%d-%m-%Y}: {len(due)}\n"
        + _lines(
            [
                f"{deadline:%d-%m-%Y}{' (over tijd)' if deadline < vandaag else ''}: "
                f"{omschrijving} — {eigenaar} ({referentie})"
                for omschrijving, eigenaar, deadline, referentie in due
            ]
        ),
    ]
    return Weekoverzicht(
        iso_week,
        len(new),
        len(late),
        len(due),
        message(f"SPIC-monitor: weekoverzicht knelpunten week {week}", *sections),
    )


def queue_digest(engine: Engine, *, overzicht: Weekoverzicht) -> int:
    """One mail per active kerngroep member with an address and notifications on, at most
    once per member and week; returns how many were newly put in the outbox."""
    with session_scope(engine) as session:
        members = session.execute(sa.select(Gebruiker.id).where(digest_recipients())).scalars()
        before = _count_week(session.connection(), overzicht.week)
        for member in members:
            queue(
                session,
                ontvanger_id=int(member),
                bericht=overzicht.bericht,
                sleutel=f"weekoverzicht:{overzicht.week}:{member}",
            )
        return _count_week(session.connection(), overzicht.week) - before


def _count_week(conn: sa.Connection, week: str) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(OUTBOX.c.sleutel.like(f"weekoverzicht:{week}:%"))
        ).scalar_one()
    )
