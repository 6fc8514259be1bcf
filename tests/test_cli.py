"""The command line: schema, loading a preset, counts and user administration."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access.__main__ import main
from data_access.users import LoginError, authenticate


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
    identity = authenticate(engine, username="j.jansen", password="een-lang-wachtwoord")
    assert identity.gebruikersnaam == "j.jansen"
    assert main(["user", "deactivate", "j.jansen"]) == 0
    with pytest.raises(LoginError):
        authenticate(engine, username="j.jansen", password="een-lang-wachtwoord")
    assert main(["user", "create", "j.jansen", "--name", "X", "--role", "adviseur"]) == 1
    assert "bestaat al" in capsys.readouterr().err


def test_user_password_sets_a_new_password(
    sqlite_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "een-lang-wachtwoord")
    main(["user", "create", "j.jansen", "--name", "J. Jansen", "--role", "adviseur"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "het-nieuwe-wachtwoord")
    assert main(["user", "password", "j.jansen"]) == 0
    assert "sessies zijn beëindigd" in capsys.readouterr().out
    engine = sa.create_engine(sqlite_env)
    assert authenticate(engine, username="j.jansen", password="het-nieuwe-wachtwoord")
    with pytest.raises(LoginError):
        authenticate(engine, username="j.jansen", password="een-lang-wachtwoord")
    assert main(["user", "password", "niemand"]) == 1
    assert "bestaat niet" in capsys.readouterr().err


def test_help_lists_the_commands_in_dutch(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("init", "generate", "load", "counts", "user", "aanbieders", "instellingen"):
        assert command in out
    assert out.startswith("gebruik: ") and "toon deze hulp en stop" in out
    for english in ("usage:", "show this help", "positional arguments", "options:"):
        assert english not in out
    with pytest.raises(SystemExit):
        main(["user", "create", "x", "--role", "baas"])
    err = capsys.readouterr().err
    assert "ongeldige keuze: 'baas'" in err and "invalid choice" not in err


def test_every_command_and_argument_has_a_help_text() -> None:
    import argparse

    from data_access.__main__ import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help for a in action._choices_actions}
                for name, child in action.choices.items():
                    if not helps.get(name):
                        missing.append(f"{path} {name}")
                    missing += walk(child, f"{path} {name}")
            elif not action.help:
                missing.append(f"{path} {action.dest}")
        return missing

    assert walk(build_parser(), "data_access") == []


def test_a_refused_user_is_one_dutch_line_before_any_password_is_asked(
    sqlite_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init"])
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or "x" * 20)
    account = ["x.aanbieder", "--name", "X", "--role", "aanbieder", "--provider-id", "99999"]
    code = main(["user", "create", *account])
    err = capsys.readouterr().err
    assert code == 1 and asked == []
    assert err.strip().count("\n") == 0 and err.startswith("Fout: Aanbieder 99999 bestaat niet")
    assert "Traceback" not in err and "argon2" not in err and "$" not in err


def test_an_unexpected_failure_prints_no_traceback_and_no_details(
    sqlite_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init"])

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("geheim-detail 111222333")

    monkeypatch.setattr("data_access.loader.table_counts", fails)
    assert main(["counts"]) == 1
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "geheim-detail" not in err and "Traceback" not in err


def test_providers_are_listed_with_their_numbers(
    sqlite_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["load", "--preset", "demo"])
    capsys.readouterr()
    assert main(["aanbieders", "zonnebloem"]) == 0
    out = capsys.readouterr().out.rstrip().splitlines()
    engine = sa.create_engine(sqlite_env)
    with engine.connect() as conn:
        provider_id = conn.execute(
            sa.text("SELECT id FROM aanbieder WHERE naam = 'Praktijk De Zonnebloem'")
        ).scalar()
    assert out == [f"{provider_id:>6}  Praktijk De Zonnebloem"]


def test_replacing_all_data_asks_for_confirmation(
    sqlite_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["load", "--preset", "demo"])
    engine = sa.create_engine(sqlite_env)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE gebruiker SET weergavenaam = 'Gewijzigd' WHERE id = 1"))
    assert main(["load", "--preset", "demo", "--replace"]) == 2
    assert "Bevestig met --ja" in capsys.readouterr().err
    with engine.connect() as conn:
        name = conn.execute(sa.text("SELECT weergavenaam FROM gebruiker WHERE id = 1")).scalar()
    assert name == "Gewijzigd"  # nothing was replaced
    assert main(["load", "--preset", "demo", "--replace", "--ja"]) == 0


def test_a_bad_setting_stops_the_command_line_in_dutch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPIC_DRILL_LIMIT", "veel")
    assert main(["counts"]) == 1
    err = capsys.readouterr().err
    assert "SPIC_DRILL_LIMIT" in err and "geheel getal" in err and "Traceback" not in err


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
