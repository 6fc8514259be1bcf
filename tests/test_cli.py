"""The command line: schema, loading a preset, counts and user administration."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access.__main__ import main
from data_access.auth import LoginError, authenticate


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path))
    return url


def test_init_load_and_counts(sqlite_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["load", "--preset", "demo"]) == 0
    out = capsys.readouterr().out
    engine = sa.create_engine(sqlite_env)
    with engine.connect() as conn:
        trajecten = conn.execute(sa.text("SELECT COUNT(*) FROM traject")).scalar()
    assert "traject" in out and f"{trajecten:,}".replace(",", ".") in out
    # Loading again without --replace is refused with a Dutch message and changes nothing.
    assert main(["load", "--preset", "demo"]) == 1
    assert "bevat al gegevens" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM traject")).scalar() == trajecten


def test_user_create_and_deactivate(
    sqlite_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "een-lang-wachtwoord")
    assert main(["user", "create", "j.jansen", "--name", "J. Jansen", "--role", "adviseur"]) == 0
    engine = sa.create_engine(sqlite_env)
    assert authenticate(engine, "j.jansen", "een-lang-wachtwoord").gebruikersnaam == "j.jansen"
    assert main(["user", "deactivate", "j.jansen"]) == 0
    with pytest.raises(LoginError):
        authenticate(engine, "j.jansen", "een-lang-wachtwoord")
    assert main(["user", "create", "j.jansen", "--name", "X", "--role", "adviseur"]) == 1
    assert "bestaat al" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("init", "generate", "load", "counts", "user"):
        assert command in out


def test_template_export_and_import(
    sqlite_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["load", "--preset", "demo"])
    template = tmp_path / "leeg.xlsx"
    assert main(["template", "inzet", "--format", "xlsx", "--out", str(template)]) == 0
    assert template.read_bytes()[:2] == b"PK"
    exported = tmp_path / "betalingen.csv"
    assert main(["export", "betalingen", "--out", str(exported)]) == 0
    capsys.readouterr()
    assert main(["import", str(exported)]) == 0
    with sa.create_engine(sqlite_env).connect() as conn:
        paid = conn.execute(sa.text("SELECT COUNT(*) FROM betaling")).scalar()
    assert f"Betalingen, {paid} rijen, 0 nieuw, 0 gewijzigd" in capsys.readouterr().out
    bad = tmp_path / "fout.csv"
    bad.write_text("toewijzingnummer;tranche;bedrag;datum\nTW000000001;start;-1;15-03-2019\n")
    errors = tmp_path / "fouten.csv"
    assert main(["import", str(bad), "--fouten", str(errors)]) == 1
    assert "Er is niets opgeslagen" in capsys.readouterr().err
    assert "fout.csv;2;bedrag;-1;Mag niet negatief zijn." in errors.read_text(encoding="utf-8-sig")
