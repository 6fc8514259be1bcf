"""Command line: `python -m data_access --help`."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from data_access.auth import UserAdminError, create_user, set_active
from data_access.backup import BackupError, backup, restore
from data_access.db import DatabaseUnavailable, check_connection, make_engine, migrate
from data_access.generator import PRESETS, generate, write_parquet
from data_access.imports import Bestand, ImportGeweigerd, Uitvoerder, importeer
from data_access.imports.spec import PER_KEY, SOORTEN
from data_access.imports.templates import csv_bytes, export, template
from data_access.loader import (
    DatabaseNotEmpty,
    ensure_dataset,
    load_tables,
    read_parquet,
    table_counts,
)
from data_access.models import Rol
from data_access.settings import get_settings


def _progress() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    bars: dict[str, tqdm] = {}

    def update(table: str, done: int, total: int) -> None:
        bar = bars.get(table)
        if bar is None:
            bar = bars[table] = tqdm(total=total, desc=f"laden {table}", unit=" rijen", leave=False)
        bar.n = done
        bar.refresh()

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return update, close


def cmd_init(args: argparse.Namespace) -> int:
    engine = make_engine()
    check_connection(engine)
    migrate(engine)
    print("Schema is bijgewerkt tot de nieuwste migratie.")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    out = args.out or get_settings().data_dir / "datasets" / args.preset
    print(f"Genereren van preset '{args.preset}' (seed {args.seed})…")
    write_parquet(generate(args.preset, args.seed), out, args.preset, args.seed)
    print(f"Geschreven naar {out}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    engine = make_engine()
    check_connection(engine)
    migrate(engine)
    directory = ensure_dataset(args.preset, get_settings().data_dir / "datasets", args.seed)
    update, close = _progress()
    try:
        load_tables(engine, read_parquet(directory), replace=args.replace, progress=update)
    finally:
        close()
    print(f"Preset '{args.preset}' geladen.")
    return cmd_counts(args)


def cmd_counts(args: argparse.Namespace) -> int:
    counts = table_counts(make_engine())
    width = max(map(len, counts))
    for name, n in sorted(counts.items()):
        print(f"{name:<{width}}  {n:>12,}".replace(",", "."))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    engine = make_engine()
    check_connection(engine)
    migrate(engine)
    files = [Bestand(path.name, path.read_bytes()) for path in args.files]
    bar = tqdm(total=100, desc="importeren", unit="%", leave=False)

    def progress(what: str, done: float) -> None:
        bar.set_description(what[:60])
        bar.n = round(done * 100)
        bar.refresh()

    try:
        verslagen = importeer(
            engine,
            Uitvoerder(f"CLI ({getpass.getuser()})"),
            files,
            soort=args.soort,
            progress=progress,
        )
    except ImportGeweigerd as exc:
        bar.close()
        print(f"Fout: {exc}", file=sys.stderr)
        if args.fouten:
            args.fouten.write_bytes(csv_bytes(exc.fouten))
            print(f"De fouttabel staat in {args.fouten}.", file=sys.stderr)
        print(exc.fouten.head(50).to_string(index=False), file=sys.stderr)
        return 1
    bar.close()
    for v in verslagen:
        print(f"{v.bron}: {v.soort}, {v.rijen} rijen, {v.nieuw} nieuw, {v.gewijzigd} gewijzigd")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    soort = PER_KEY[args.soort]
    data = (
        template(soort, args.format)
        if args.command == "template"
        else export(make_engine(), soort, args.format)
    )
    out = args.out or Path(f"{soort.key}.{args.format}")
    out.write_bytes(data)
    print(f"Geschreven naar {out}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    backup(make_engine(), args.pad)
    print(f"Back-up geschreven naar {args.pad}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    if not args.ja:
        print(
            "Herstellen vervangt alle huidige gegevens door die uit de back-up. Bevestig met --ja.",
            file=sys.stderr,
        )
        return 2
    restore(make_engine(), args.pad)
    print(f"Database hersteld uit {args.pad}.")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    password = None
    if not args.sso:
        password = getpass.getpass("Wachtwoord (minstens 12 tekens): ")
        if password != getpass.getpass("Herhaal wachtwoord: "):
            print("De wachtwoorden zijn niet gelijk.", file=sys.stderr)
            return 2
    create_user(
        make_engine(),
        gebruikersnaam=args.username,
        weergavenaam=args.name,
        rol=Rol(args.role),
        wachtwoord=password,
        email=args.email,
        aanbieder_id=args.provider_id,
    )
    print(f"Gebruiker '{args.username}' aangemaakt.")
    return 0


def cmd_user_active(args: argparse.Namespace) -> int:
    set_active(make_engine(), args.username, args.action == "activate")
    state = "geactiveerd" if args.action == "activate" else "gedeactiveerd"
    print(f"Gebruiker '{args.username}' is {state}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m data_access",
        description="SPIC-monitor beheer: schema, voorbeelddata, import en gebruikers. "
        "De database komt uit DATABASE_URL (standaard een SQLite-bestand in data/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="schema aanmaken of bijwerken (alembic upgrade head)").set_defaults(
        func=cmd_init
    )
    gen = sub.add_parser("generate", help="voorbeelddata genereren als Parquet")
    gen.add_argument("--preset", choices=sorted(PRESETS), default="demo")
    gen.add_argument("--seed", type=int, default=2018)
    gen.add_argument("--out", type=Path, default=None)
    gen.set_defaults(func=cmd_generate)
    load = sub.add_parser("load", help="een preset laden (genereert en cachet hem zo nodig)")
    load.add_argument("--preset", choices=sorted(PRESETS), default="demo")
    load.add_argument("--seed", type=int, default=2018)
    load.add_argument("--replace", action="store_true", help="bestaande gegevens vervangen")
    load.set_defaults(func=cmd_load)
    sub.add_parser("counts", help="aantal rijen per tabel").set_defaults(func=cmd_counts)
    bkp = sub.add_parser("backup", help="consistente back-up van de SQLite-database (online)")
    bkp.add_argument("pad", type=Path, help="nieuw bestand voor de back-up")
    bkp.set_defaults(func=cmd_backup)
    rst = sub.add_parser("restore", help="SQLite-database herstellen uit een back-up")
    rst.add_argument("pad", type=Path)
    rst.add_argument("--ja", action="store_true", help="bevestigen: huidige gegevens vervangen")
    rst.set_defaults(func=cmd_restore)
    kinds = [s.key for s in SOORTEN]
    imp = sub.add_parser(
        "import",
        help="CSV-, Excel- of iJw-bestanden (JW301/JW307, .xml) importeren: alles of niets",
    )
    imp.add_argument("files", nargs="+", type=Path, help="bestanden (.csv, .xlsx, .xml)")
    imp.add_argument("--soort", choices=kinds, default=None, help="soort (anders herkend)")
    imp.add_argument("--fouten", type=Path, default=None, help="fouttabel als CSV opslaan")
    imp.set_defaults(func=cmd_import)
    for name, what in (("template", "een leeg sjabloon"), ("export", "de huidige gegevens")):
        p = sub.add_parser(name, help=f"{what} in sjabloonvorm schrijven")
        p.add_argument("soort", choices=kinds)
        p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        p.add_argument("--out", type=Path, default=None)
        p.set_defaults(func=cmd_template)
    user = sub.add_parser("user", help="gebruikers beheren")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="gebruiker aanmaken (vraagt om een wachtwoord)")
    create.add_argument("username")
    create.add_argument("--name", required=True, help="weergavenaam")
    create.add_argument("--role", required=True, choices=[r.value for r in Rol])
    create.add_argument("--provider-id", type=int, default=None, help="bij rol aanbieder")
    create.add_argument("--email", default=None, help="voor inloggen via de organisatie (OIDC)")
    create.add_argument("--sso", action="store_true", help="geen wachtwoord: alleen OIDC-login")
    create.set_defaults(func=cmd_user_create)
    for action in ("activate", "deactivate"):
        p = user_sub.add_parser(
            action, help=f"gebruiker {'activeren' if action == 'activate' else 'deactiveren'}"
        )
        p.add_argument("username")
        p.set_defaults(func=cmd_user_active, action=action)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (DatabaseUnavailable, DatabaseNotEmpty, UserAdminError, BackupError) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
