"""The retention period: old closed reports lose their free text, keep what they were about."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from data_access.__main__ import main
from data_access.access import AccessDenied, Scope
from data_access.register import actions
from data_access.register.actions import NieuweActie
from data_access.register.duplicates import FRESH_SECONDS, similar_reports
from data_access.register.retention import ANONIEM, apply_retention
from tests.helpers import sql_frame, sql_scalar, user_scope

KEPT = "referentie, categorie, segment, status, aangemaakt, aantal_gezinnen, urgentie"
HISTORY = "SELECT knelpunt_id, tijdstip, soort, van, naar FROM knelpuntgebeurtenis ORDER BY id"


def _age_closing(engine: sa.Engine, referentie: str, years: float) -> None:
    """Move every step of a report `years` back in time."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE knelpuntgebeurtenis SET tijdstip = :t WHERE knelpunt_id = "
                "(SELECT id FROM knelpunt WHERE referentie = :r)"
            ),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(days=365.25 * years), "r": referentie},
        )


def test_only_reports_closed_longer_than_the_period_lose_their_text(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    closed = list(
        sql_frame(
            engine,
            "SELECT referentie FROM knelpunt WHERE status IN "
            "('opgelost', 'afgewezen', 'samengevoegd', 'ingetrokken') ORDER BY referentie",
        )["referentie"]
    )
    old, recent = closed[0], closed[1]
    open_one = str(sql_scalar(engine, "SELECT referentie FROM knelpunt WHERE status = 'nieuw'"))
    for reference in closed:
        _age_closing(engine, reference, 1)
    _age_closing(engine, old, 8)  # closed eight years ago: past the seven of the default
    _age_closing(engine, open_one, 9)  # old, but still open: never touched
    actions.add_action(
        engine,
        user_scope(engine, "demo.kerngroep"),
        knelpunt_id=int(sql_scalar(engine, "SELECT id FROM knelpunt WHERE referentie = :r", r=old)),
        actie=NieuweActie("Gesprek met de aanbieder in Zaanstad", "Contractmanager"),
    )
    _age_closing(engine, old, 8)  # the action's history row must not make it recent
    beheerder = user_scope(engine, "demo.beheerder")
    before = sql_frame(engine, f"SELECT {KEPT}, titel FROM knelpunt ORDER BY referentie")
    history = sql_frame(engine, HISTORY)

    trial = apply_retention(engine, beheerder)
    assert trial.referenties == [old] and not trial.uitgevoerd
    assert sql_frame(engine, f"SELECT {KEPT}, titel FROM knelpunt ORDER BY referentie").equals(
        before
    )

    old_title = str(sql_scalar(engine, "SELECT titel FROM knelpunt WHERE referentie = :r", r=old))
    kerngroep = user_scope(engine, "demo.kerngroep")
    assert old in [s.referentie for s in similar_reports(engine, kerngroep, titel=old_title)]

    done = apply_retention(engine, beheerder, uitvoeren=True)
    assert done.referenties == [old] and done.uitgevoerd
    # The form's suggestions, prepared before, no longer know the erased title.
    time.sleep(FRESH_SECONDS)
    assert old not in [s.referentie for s in similar_reports(engine, kerngroep, titel=old_title)]
    after = sql_frame(
        engine, f"SELECT {KEPT}, titel, omschrijving FROM knelpunt ORDER BY referentie"
    )
    gone = after[after["referentie"] == old].iloc[0]
    assert gone["titel"] == ANONIEM and gone["omschrijving"] == ANONIEM
    assert after.drop(columns=["titel", "omschrijving"]).equals(before.drop(columns=["titel"]))
    others = after[after["referentie"] != old]
    assert (others["titel"] != ANONIEM).all()
    texts = sql_scalar(
        engine,
        "SELECT COUNT(*) FROM knelpuntgebeurtenis e JOIN knelpunt k ON k.id = e.knelpunt_id "
        "WHERE k.referentie = :r AND e.tekst IS NOT NULL",
        r=old,
    )
    assert texts == 0
    action = sql_frame(
        engine,
        "SELECT a.omschrijving, a.eigenaar FROM actie a JOIN knelpunt k ON k.id = a.knelpunt_id "
        "WHERE k.referentie = :r",
        r=old,
    )
    assert len(action) >= 1
    assert {tuple(r) for r in action.values.tolist()} == {(ANONIEM, ANONIEM)}
    assert sql_frame(engine, HISTORY).equals(history)  # the status history stays whole
    trail = sql_frame(engine, "SELECT actie, onderwerp, filters FROM auditregel")
    assert list(trail["actie"]) == ["retentie"] and trail["filters"].iloc[0] == old
    assert apply_retention(engine, beheerder, uitvoeren=True).referenties == []  # once only
    assert recent != old


def test_only_the_beheerder_applies_the_retention_period(demo_engine_rw: sa.Engine) -> None:
    with pytest.raises(AccessDenied):
        apply_retention(demo_engine_rw, user_scope(demo_engine_rw, "demo.kerngroep"))
    assert apply_retention(demo_engine_rw, Scope.operator()).uitgevoerd is False


def test_the_command_line_tries_first_and_changes_only_when_told(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path))
    main(["init"])
    main(["load", "--preset", "demo"])
    capsys.readouterr()
    assert main(["retentie"]) == 0
    out = capsys.readouterr().out
    assert "Proefdraai: er is niets gewijzigd" in out
    engine = sa.create_engine(url)
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt WHERE titel = :a", a=ANONIEM) == 0
    due = out.count("KNP-")
    assert main(["retentie", "--uitvoeren"]) == 0
    assert "geanonimiseerd." in capsys.readouterr().out
    anonymised = sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt WHERE titel = :a", a=ANONIEM)
    assert anonymised == due
