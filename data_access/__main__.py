"""Command line: `python -m data_access --help`.

Every message is Dutch, argparse's own texts included, and no traceback ever reaches the
user: a known failure prints its Dutch reason, anything else one line naming the kind of
error (never its details, which could hold data), with exit code 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from data_access.settings import SettingsError, get_settings

# argparse's own texts, in Dutch. argparse looks `_` up at call time, so replacing it here
# translates usage lines, section titles, -h and the error messages alike.
_ARGPARSE_NL = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "optional arguments": "opties",
    "show this help message and exit": "toon deze hulp en stop",
    "the following arguments are required: %s": "deze argumenten ontbreken: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ongeldige keuze: %(value)r (kies uit %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "ongeldige waarde (%(type)s): %(value)r",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "expected one argument": "verwacht één waarde",
    "expected at least one argument": "verwacht minstens één waarde",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": (
        "optie %(option)s is niet eenduidig: %(matches)s"
    ),
    "not allowed with argument %s": "niet toegestaan samen met %s",
    "ignored explicit argument %r": "waarde %r genegeerd",
    "subcommands": "opdrachten",
}


def _translate(text: str) -> str:
    return _ARGPARSE_NL.get(text, text)


argparse._ = _translate  # type: ignore[attr-defined]

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The rest imports lazily inside the commands: `--help` and a settings error need no database.


def _progress() -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
    from tqdm import tqdm

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


def _engine() -> Engine:
    """The database of DATABASE_URL, reachable and with the newest schema."""
    from data_access.db import check_connection, make_engine, migrate

    engine = make_engine()
    check_connection(engine)
    migrate(engine)
    return engine


def cmd_init(args: argparse.Namespace) -> int:
    _engine()
    print("Schema is bijgewerkt tot de nieuwste migratie.")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from data_access.settings import SECRETS, Settings, environment_name

    settings = get_settings()
    for field in Settings.model_fields:
        value = getattr(settings, field)
        if field == "database_url_value":
            value = make_url(settings.database_url).render_as_string(hide_password=True)
        elif field in SECRETS:
            value = "(ingesteld, niet getoond)" if value else "(leeg)"
        elif value is None:
            value = "(leeg)"
        print(f"{environment_name(field):<30} {value}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from data_access.generator import generate, write_parquet

    out = args.out or get_settings().data_dir / "datasets" / args.preset
    print(f"Genereren van preset '{args.preset}' (seed {args.seed})…")
    write_parquet(generate(args.preset, args.seed), out, args.preset, args.seed)
    print(f"Geschreven naar {out}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from data_access.loader import ensure_dataset, load_tables, read_parquet

    if args.replace and not args.ja:
        print(
            "Vervangen wist alle gegevens, ook gebruikers, meldingen en overleggen, en laadt "
            "de voorbeelddata opnieuw. Bevestig met --ja.",
            file=sys.stderr,
        )
        return 2
    engine = _engine()
    directory = ensure_dataset(args.preset, get_settings().data_dir / "datasets", args.seed)
    update, close = _progress()
    try:
        load_tables(engine, tables=read_parquet(directory), replace=args.replace, progress=update)
    finally:
        close()
    print(f"Preset '{args.preset}' geladen.")
    return cmd_counts(args)


def cmd_counts(args: argparse.Namespace) -> int:
    from data_access.loader import table_counts

    counts = table_counts(_engine())
    width = max(map(len, counts))
    for name, n in sorted(counts.items()):
        print(f"{name:<{width}}  {n:>12,}".replace(",", "."))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """A full rebuild of the analytical snapshot: the data version moves on without saying
    what changed, so the next snapshot (built here) folds in every layer."""
    import time

    from data_access.analytics import analytics
    from data_access.db import bump_data_version, session_scope

    engine = _engine()
    with session_scope(engine) as session:
        bump_data_version(session)
    started = time.perf_counter()
    analytics(
        engine, progress=lambda name, rows: print(f"{name}: {rows:,} rijen".replace(",", "."))
    )
    print(f"Snapshot opnieuw opgebouwd in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_providers(args: argparse.Namespace) -> int:
    from data_access.access import Scope
    from data_access.users import providers

    found = providers(_engine(), Scope.operator())
    needle = (args.zoek or "").lower()
    for provider_id, naam in found.items():
        if needle in naam.lower():
            print(f"{provider_id:>6}  {naam}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from data_access.imports import Bestand, ImportGeweigerd, Uitvoerder, importeer
    from data_access.imports.templates import csv_bytes

    engine = _engine()
    files = [Bestand(path.name, path.read_bytes()) for path in args.files]
    bar = tqdm(total=100, desc="importeren", unit="%", leave=False)

    def progress(what: str, done: float) -> None:
        bar.set_description(what[:60])
        bar.n = round(done * 100)
        bar.refresh()

    try:
        verslagen = importeer(
            engine,
            uitvoerder=Uitvoerder(f"CLI ({getpass.getuser()})"),
            bestanden=files,
            soort=args.soort,
            progress=progress,
            refresh_dashboards=True,
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
    from data_access.imports.spec import PER_KEY
    from data_access.imports.templates import export, template

    soort = PER_KEY[args.soort]
    data = (
        template(soort, args.format)
        if args.command == "template"
        else export(_engine(), soort=soort, fmt=args.format)
    )
    out = args.out or Path(f"{soort.key}.{args.format}")
    out.write_bytes(data)
    print(f"Geschreven naar {out}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from data_access.backup import backup

    backup(_engine(), target=args.pad)
    print(f"Back-up geschreven naar {args.pad}.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from data_access.backup import restore

    if not args.ja:
        print(
            "Herstellen vervangt alle huidige gegevens door die uit de back-up. Bevestig met --ja.",
            file=sys.stderr,
        )
        return 2
    restore(_engine(), source=args.pad)
    print(f"Database hersteld uit {args.pad}.")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    from data_access.access import Scope
    from data_access.models import Rol
    from data_access.users import check_new_user, create_user

    engine = _engine()
    account = {
        "username": args.username,
        "display_name": args.name,
        "role": Rol(args.role),
        "email": args.email,
        "provider_id": args.provider_id,
    }
    # Everything but the password is checked first: a wrong role or provider costs no typing.
    check_new_user(engine, Scope.operator(), **account)
    password = None
    if not args.sso:
        password = getpass.getpass("Wachtwoord (minstens 12 tekens): ")
        if password != getpass.getpass("Herhaal wachtwoord: "):
            print("De wachtwoorden zijn niet gelijk.", file=sys.stderr)
            return 2
    create_user(engine, Scope.operator(), password=password, **account)
    print(f"Gebruiker '{args.username}' aangemaakt.")
    return 0


def cmd_user_active(args: argparse.Namespace) -> int:
    from data_access.access import Scope
    from data_access.users import set_active

    active = args.action == "activeren"
    set_active(_engine(), Scope.operator(), username=args.username, active=active)
    print(f"Gebruiker '{args.username}' is {'geactiveerd' if active else 'gedeactiveerd'}.")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    from data_access.access import Scope
    from data_access.users import reset_password

    password = getpass.getpass("Nieuw wachtwoord (minstens 12 tekens): ")
    if password != getpass.getpass("Herhaal wachtwoord: "):
        print("De wachtwoorden zijn niet gelijk.", file=sys.stderr)
        return 2
    reset_password(_engine(), Scope.operator(), username=args.username, new=password)
    print(f"Wachtwoord van '{args.username}' ingesteld; de open sessies zijn beëindigd.")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from data_access.access import Scope
    from data_access.register.retention import apply_retention

    result = apply_retention(_engine(), Scope.operator(), uitvoeren=args.uitvoeren)
    moment = f"gesloten vóór {result.grens:%d-%m-%Y}"
    if not result.referenties:
        print(f"Geen meldingen {moment} met nog vrije tekst.")
        return 0
    verb = "geanonimiseerd" if result.uitgevoerd else "zou worden geanonimiseerd"
    print(f"{len(result.referenties)} meldingen {moment}: de vrije tekst {verb}.")
    for reference in result.referenties:
        print(f"  {reference}")
    if not result.uitgevoerd:
        print("Proefdraai: er is niets gewijzigd. Voer uit met --uitvoeren.")
    return 0


def _mail_configured() -> bool:
    if not get_settings().mail_enabled:
        print(
            "Er is geen mailserver ingesteld (SPIC_SMTP_HOST); er wordt geen e-mail verstuurd.",
            file=sys.stderr,
        )
        return False
    return True


def cmd_mail_send(args: argparse.Namespace) -> int:
    from data_access.mail import purge_sent, send_all

    if not _mail_configured():
        return 1
    engine = _engine()
    done = send_all(engine)
    removed = purge_sent(engine)
    print(
        f"Verzonden: {done.verzonden}. Later opnieuw: {done.uitgesteld}. "
        f"Opgegeven: {done.opgegeven}."
        + (f" {removed} oude verzonden e-mails opgeruimd." if removed else "")
    )
    return 0 if done.uitgesteld == 0 and done.opgegeven == 0 else 3


def cmd_mail_status(args: argparse.Namespace) -> int:
    from data_access.mail import outbox_state

    state = outbox_state(_engine())
    oldest = (
        f" (oudste van {state.oudste_wachtend.astimezone():%d-%m-%Y %H:%M})"
        if state.oudste_wachtend
        else ""
    )
    print(
        f"Wachtend: {state.wachtend}{oldest}. Verzonden: {state.verzonden}. "
        f"Opgegeven: {state.opgegeven}."
    )
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    import datetime as dt

    from data_access.mail import send_all
    from data_access.register.digest import queue_digest, weekly_digest

    engine = _engine()
    overzicht = weekly_digest(engine, vandaag=args.datum or dt.date.today())
    if not args.send:
        print(f"Onderwerp: {overzicht.bericht.onderwerp}\n")
        print(overzicht.bericht.tekst)
        print("Proefdraai: er is niets verstuurd. Verstuur met --send.", file=sys.stderr)
        return 0
    if not _mail_configured():
        return 1
    queued = queue_digest(engine, overzicht=overzicht)
    done = send_all(engine)
    print(
        f"Weekoverzicht {overzicht.week}: {queued} nieuw in de wachtrij; "
        f"verzonden {done.verzonden}, later opnieuw {done.uitgesteld}, opgegeven {done.opgegeven}."
    )
    return 0 if done.uitgesteld == 0 and done.opgegeven == 0 else 3


def _date(text: str) -> object:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is geen datum als 2026-12-07") from None


def build_parser() -> argparse.ArgumentParser:
    from data_access.generator import PRESETS
    from data_access.imports.spec import SOORTEN
    from data_access.models import Rol

    parser = argparse.ArgumentParser(
        prog="python -m data_access",
        description="SPIC-monitor beheer: schema, voorbeelddata, import en gebruikers. "
        "De database komt uit DATABASE_URL (standaard een SQLite-bestand in data/).",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, title="opdrachten", metavar="OPDRACHT"
    )
    sub.add_parser("init", help="schema aanmaken of bijwerken (alembic upgrade head)").set_defaults(
        func=cmd_init
    )
    sub.add_parser(
        "instellingen", help="de instellingen controleren en tonen (geheimen verborgen)"
    ).set_defaults(func=cmd_settings)
    gen = sub.add_parser("generate", help="voorbeelddata genereren als Parquet")
    gen.add_argument("--preset", choices=sorted(PRESETS), default="demo", help="omvang")
    gen.add_argument(
        "--seed", type=int, default=2018, metavar="GETAL", help="startwaarde van het toeval"
    )
    gen.add_argument(
        "--out", type=Path, default=None, metavar="MAP", help="map voor de Parquet-bestanden"
    )
    gen.set_defaults(func=cmd_generate)
    load = sub.add_parser("load", help="een preset laden (genereert en cachet hem zo nodig)")
    load.add_argument("--preset", choices=sorted(PRESETS), default="demo", help="omvang")
    load.add_argument(
        "--seed", type=int, default=2018, metavar="GETAL", help="startwaarde van het toeval"
    )
    load.add_argument(
        "--replace", action="store_true", help="alle bestaande gegevens vervangen (met --ja)"
    )
    load.add_argument("--ja", action="store_true", help="bevestigen: alles vervangen")
    load.set_defaults(func=cmd_load)
    sub.add_parser("counts", help="aantal rijen per tabel").set_defaults(func=cmd_counts)
    sub.add_parser(
        "snapshot", help="het analytische snapshot van de dashboards volledig opnieuw opbouwen"
    ).set_defaults(func=cmd_snapshot)
    prov = sub.add_parser("aanbieders", help="aanbieders met hun nummer (voor --provider-id)")
    prov.add_argument("zoek", nargs="?", default=None, help="deel van de naam (optioneel)")
    prov.set_defaults(func=cmd_providers)
    bkp = sub.add_parser("backup", help="consistente back-up van de SQLite-database (online)")
    bkp.add_argument("pad", type=Path, help="nieuw bestand voor de back-up")
    bkp.set_defaults(func=cmd_backup)
    rst = sub.add_parser("restore", help="SQLite-database herstellen uit een back-up")
    rst.add_argument("pad", type=Path, help="het back-upbestand")
    rst.add_argument("--ja", action="store_true", help="bevestigen: huidige gegevens vervangen")
    rst.set_defaults(func=cmd_restore)
    kinds = [s.key for s in SOORTEN]
    imp = sub.add_parser(
        "import",
        help="CSV-, Excel- of iJw-bestanden (JW301/JW307, .xml) importeren: alles of niets",
    )
    imp.add_argument(
        "files", nargs="+", type=Path, metavar="bestand", help="bestanden (.csv, .xlsx, .xml)"
    )
    imp.add_argument("--soort", choices=kinds, default=None, help="soort (anders herkend)")
    imp.add_argument(
        "--fouten", type=Path, default=None, metavar="BESTAND", help="fouttabel als CSV opslaan"
    )
    imp.set_defaults(func=cmd_import)
    for name, what in (("template", "een leeg sjabloon"), ("export", "de huidige gegevens")):
        p = sub.add_parser(name, help=f"{what} in sjabloonvorm schrijven")
        p.add_argument("soort", choices=kinds, help="soort gegevens")
        p.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="bestandsvorm")
        p.add_argument(
            "--out", type=Path, default=None, metavar="BESTAND", help="bestand om naar te schrijven"
        )
        p.set_defaults(func=cmd_template)
    user = sub.add_parser("user", help="gebruikers beheren")
    user_sub = user.add_subparsers(
        dest="user_command", required=True, title="opdrachten", metavar="OPDRACHT"
    )
    create = user_sub.add_parser("create", help="gebruiker aanmaken (vraagt om een wachtwoord)")
    create.add_argument("username", metavar="gebruikersnaam", help="de nieuwe gebruikersnaam")
    create.add_argument("--name", required=True, metavar="NAAM", help="weergavenaam")
    create.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Rol],
        metavar="ROL",
        help="rol: " + ", ".join(r.value for r in Rol),
    )
    create.add_argument(
        "--provider-id",
        type=int,
        default=None,
        metavar="NUMMER",
        help="bij rol aanbieder: zie 'aanbieders'",
    )
    create.add_argument(
        "--email",
        default=None,
        metavar="E-MAILADRES",
        help="voor inloggen via de organisatie (OIDC)",
    )
    create.add_argument("--sso", action="store_true", help="geen wachtwoord: alleen OIDC-login")
    create.set_defaults(func=cmd_user_create)
    for english, action in (("activate", "activeren"), ("deactivate", "deactiveren")):
        p = user_sub.add_parser(english, help=f"gebruiker {action}")
        p.add_argument("username", metavar="gebruikersnaam", help="gebruikersnaam")
        p.set_defaults(func=cmd_user_active, action=action)
    retention = sub.add_parser(
        "retentie",
        help="vrije tekst van meldingen die langer dan SPIC_RETENTION_YEARS gesloten zijn "
        "anonimiseren (eerst een proefdraai)",
    )
    retention.add_argument(
        "--uitvoeren", action="store_true", help="echt anonimiseren (zonder: alleen tonen)"
    )
    retention.set_defaults(func=cmd_retention)
    mail = sub.add_parser("mail", help="e-mail uit de wachtrij versturen (zie SPIC_SMTP_HOST)")
    mail_sub = mail.add_subparsers(
        dest="mail_command", required=True, title="opdrachten", metavar="OPDRACHT"
    )
    mail_sub.add_parser(
        "send", help="wachtende e-mail versturen (met herhaalpogingen); voor cron"
    ).set_defaults(func=cmd_mail_send)
    status = mail_sub.add_parser("status", help="hoeveel e-mail wacht, verzonden of opgegeven is")
    status.set_defaults(func=cmd_mail_status)
    digest = sub.add_parser(
        "digest", help="weekoverzicht voor de kerngroep: tonen (--dry-run) of versturen (--send)"
    )
    how = digest.add_mutually_exclusive_group(required=True)
    how.add_argument("--send", action="store_true", help="in de wachtrij zetten en versturen")
    how.add_argument("--dry-run", action="store_true", help="alleen tonen, niets versturen")
    digest.add_argument(
        "--datum", type=_date, default=None, metavar="JJJJ-MM-DD", help="peildag (anders vandaag)"
    )
    digest.set_defaults(func=cmd_digest)
    password = user_sub.add_parser(
        "password", help="nieuw wachtwoord instellen (beëindigt de open sessies)"
    )
    password.add_argument("username", metavar="gebruikersnaam", help="gebruikersnaam")
    password.set_defaults(func=cmd_user_password)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        get_settings()
    except SettingsError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1
    args = build_parser().parse_args(argv)
    from data_access.access import AccessDenied
    from data_access.backup import BackupError
    from data_access.db import DatabaseUnavailable
    from data_access.loader import DatabaseNotEmpty
    from data_access.users import UserAdminError
    from data_access.validation import ValidationFailed

    try:
        return int(args.func(args))
    except (
        DatabaseUnavailable,
        DatabaseNotEmpty,
        UserAdminError,
        BackupError,
        AccessDenied,
        ValidationFailed,
    ) as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"Fout: bestand of map niet gevonden: {exc.filename}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"Fout: geen toegang tot {exc.filename}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the output went to a pager or `head` that stopped reading
        return 0
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback, never details that could hold data
        print(
            f"Fout: de opdracht is mislukt ({type(exc).__name__}). Er is niets half opgeslagen; "
            "meld dit met de opdracht die u gaf aan de beheerder van SPIC-monitor.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
