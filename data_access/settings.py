"""One validated settings object, read from the environment (pydantic-settings).

Every limit of the product is a setting here, with its Dutch description: the README's table
of settings is checked against `SETTINGS_TABLE`. A bad value stops the app or the command line
at start with a Dutch message naming the variable (`SettingsError`), never with a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"
REFERENCE_DIR = SAMPLE_DATA_DIR / "reference"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
PRODUCTION_NAMES = frozenset({"production", "productie", "prod"})
SECRETS = frozenset({"pseudonym_secret", "smtp_password"})  # never shown, not even when wrong


class SettingsError(ValueError):
    """One or more settings have a value the product cannot use; the message is Dutch."""


def normalise_database_url(url: str) -> str:
    """Let users paste a plain PostgreSQL URL; SQLAlchemy needs the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _setting(default: Any, description: str, env: str | None = None, **limits: Any) -> Any:
    """A field with its Dutch description; `env` names a variable without the SPIC_ prefix."""
    alias = {"validation_alias": AliasChoices(env)} if env else {}
    return Field(default, description=description, **alias, **limits)


class Settings(BaseSettings):
    """The product's settings. Environment variables are SPIC_<NAME>, apart from two
    conventional names (DATABASE_URL, ENVIRONMENT)."""

    model_config = SettingsConfigDict(env_prefix="SPIC_", frozen=True, extra="ignore")

    database_url_value: str | None = _setting(
        None, "database (SQLite of PostgreSQL)", env="DATABASE_URL"
    )
    data_dir: Path = _setting(
        DEFAULT_DATA_DIR, "map voor de SQLite-database, het analytische snapshot en datasets"
    )
    environment: str = _setting(
        "development", "`production` weigert demo-accounts", env="ENVIRONMENT"
    )
    start_tranche_share: Decimal = _setting(
        Decimal("0.70"), "aandeel van het tarief bij de start (0 tot en met 1)", ge=0, le=1
    )
    session_timeout_minutes: int = _setting(
        30, "sessie verloopt na zoveel minuten inactiviteit", ge=1
    )
    session_max_hours: int = _setting(
        12, "een login verloopt hoe dan ook na zoveel uur (ook bij activiteit)", ge=1
    )
    app_url: str | None = _setting(
        None,
        "adres waaronder gebruikers de app openen (bijv. https://spic.example.nl); "
        "bij https krijgt het sessiecookie de vlag Secure",
    )
    allowed_hosts: str = _setting(
        "",
        "andere hostnamen waaronder de app bereikbaar is, met komma's gescheiden; verzoeken voor "
        "een andere host worden geweigerd zodra deze of SPIC_APP_URL is ingevuld",
    )
    reopen_days: int = _setting(
        60, "zoveel dagen na het oplossen kan de melder vragen een melding te heropenen", ge=1
    )
    retention_years: int = _setting(
        7,
        "na zoveel jaar na het sluiten anonimiseert `python -m data_access retentie` de vrije "
        "tekst van een melding",
        ge=1,
    )
    smtp_host: str | None = _setting(
        None, "mailserver (SMTP) voor e-mail over meldingen; leeg: er wordt geen e-mail verstuurd"
    )
    smtp_port: int = _setting(587, "poort van de mailserver", ge=1, le=65535)
    smtp_user: str | None = _setting(None, "gebruikersnaam bij de mailserver; leeg: geen login")
    smtp_password: str = Field(
        "",
        repr=False,
        description="wachtwoord bij de mailserver (geheim houden)",
    )
    smtp_starttls: bool = _setting(
        True, "verbinding met de mailserver versleutelen met STARTTLS (true/false)"
    )
    mail_from: str = _setting(
        "SPIC-monitor <noreply@spic-monitor.invalid>", "afzender van de e-mail (From)"
    )
    mail_interval_seconds: int = _setting(
        60,
        "zo vaak (seconden) verstuurt de app wachtende e-mail op de achtergrond; 0: alleen "
        "`python -m data_access mail send`",
        ge=0,
    )
    mail_max_attempts: int = _setting(
        10, "pogingen per e-mail voordat die als mislukt wordt opgegeven", ge=1
    )
    max_failed_logins: int = _setting(5, "mislukte inlogpogingen tot de blokkade", ge=1)
    lockout_minutes: int = _setting(15, "duur van de blokkade in minuten", ge=1)
    suppression_threshold: int = _setting(
        10, "kleinste aantal dat adviseurs en aanbieders zien", ge=2
    )
    pseudonym_secret: str = Field(
        "",
        repr=False,
        description="sleutel voor cliëntpseudoniemen bij iJw-import (minstens 16 tekens; geheim "
        "houden, nooit wijzigen); leeg: iJw-import geweigerd",
    )
    peildatum: dt.date | None = _setting(
        None,
        "peildatum van de dashboards (jjjj-mm-dd); leeg: het einde van de laatste volledige "
        "maand met geleverde zorg",
    )
    max_data_age_days: int = _setting(
        45, "waarschuwing op elke dashboardpagina als de peildatum langer geleden is", ge=1
    )
    voorlopig_open_share: Decimal = _setting(
        Decimal("0.20"),
        "een periode is voorlopig als meer dan dit deel van de trajecten die toen startten nog "
        "loopt (0 tot en met 1)",
        ge=0,
        le=1,
    )
    chromium_path: str | None = _setting(
        None,
        "Chromium voor PDF-dossiers; leeg: `chromium` op het zoekpad of /usr/bin/chromium",
    )
    duckdb_memory_limit: str = _setting(
        "1GB", "geheugen dat DuckDB per app-proces mag gebruiken (bijv. 512MB, 2GB)"
    )
    duckdb_threads: int = _setting(2, "rekenthreads van DuckDB per app-proces", ge=1, le=64)
    result_cache_size: int = _setting(
        128, "queryresultaten die per open snapshot bewaard blijven", ge=0
    )
    result_cache_max_rows: int = _setting(
        50_000, "grootste queryresultaat (rijen) dat bewaard blijft", ge=0
    )
    open_snapshots: int = _setting(4, "snapshots die een proces tegelijk open houdt", ge=1)
    page_cache_ttl_seconds: int = _setting(
        900, "hoe lang een berekende pagina in het geheugen blijft (seconden)", ge=0
    )
    page_cache_entries: int = _setting(512, "berekende pagina's die bewaard blijven", ge=1)
    drill_limit: int = _setting(
        2_000, "grootste aantal trajecten in een doorklik (en de download ervan)", ge=1
    )
    network_edge_limit: int = _setting(
        40,
        "grootste aantal relaties dat de netwerkgrafiek tekent (de rest staat in de tabel)",
        ge=1,
    )

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip()):
            raise ValueError("moet een hoeveelheid geheugen zijn, zoals 512MB of 2GB")
        return value.strip()

    @field_validator("chromium_path")
    @classmethod
    def _chromium(cls, value: str | None) -> str | None:
        # A path that was set on purpose and is wrong must not fall back to another browser.
        if value and value.strip() and not Path(value.strip()).is_file():
            raise ValueError(f"{value.strip()} bestaat niet; laat leeg of wijs Chromium aan")
        return value.strip() if value and value.strip() else None

    @field_validator("app_url")
    @classmethod
    def _app_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        url = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            raise ValueError(f"{url} is geen adres van de vorm https://server/pad")
        return url

    @field_validator("smtp_host", "smtp_user")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        from email.utils import parseaddr

        address = parseaddr(value)[1]
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise ValueError(f"{value} is geen e-mailadres (bijv. SPIC-monitor <spic@example.nl>)")
        return value.strip()

    @property
    def mail_enabled(self) -> bool:
        return self.smtp_host is not None

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        for host in filter(None, (h.strip() for h in value.split(","))):
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]", host):
                raise ValueError(f"{host} is geen hostnaam (zonder poort of schema)")
        return value

    @property
    def trusted_hosts(self) -> frozenset[str] | None:
        """The host names the app answers to; None when none is configured (development)."""
        hosts = {h.strip().lower().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()}
        if self.app_url:
            name = urlsplit(self.app_url).hostname
            if name:
                hosts.add(name.lower())
        return frozenset(hosts) or None

    @property
    def secure_cookies(self) -> bool:
        return bool(self.app_url and self.app_url.startswith("https://"))

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: str) -> str:
        return value.strip().lower() or "development"

    @property
    def database_url(self) -> str:
        default = f"sqlite:///{self.data_dir / 'spic_monitor.db'}"
        return normalise_database_url(self.database_url_value or default)

    @property
    def chromium(self) -> str | None:
        """The Chromium that prints PDFs, or None when the server has none."""
        if self.chromium_path:
            return self.chromium_path
        for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
            if candidate and Path(candidate).exists():
                return candidate
        return None

    @property
    def is_production(self) -> bool:
        return self.environment in PRODUCTION_NAMES

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def environment_name(field: str) -> str:
    """The environment variable that sets a field."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"SPIC_{field.upper()}"


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, meaning, default) for every setting: the README's table is checked against it."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if name == "database_url_value":
            shown = "SQLite in `data/`"
        elif name == "data_dir":
            shown = "`data/`"
        elif default in ("", None):
            shown = "leeg"
        else:
            shown = f"`{default}`"
        rows.append((environment_name(name), str(field.description), shown))
    return rows


_MESSAGES = {
    "int_parsing": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "decimal_parsing": "moet een getal zijn, met een punt als decimaalteken (bijvoorbeeld 0.70)",
    "decimal_type": "moet een getal zijn",
    "path_type": "moet een pad zijn",
    "string_type": "moet tekst zijn",
    "bool_parsing": "moet true of false zijn",
    "date_from_datetime_parsing": "moet een datum zijn als 2026-11-30",
    "date_parsing": "moet een datum zijn als 2026-11-30",
    "date_type": "moet een datum zijn als 2026-11-30",
}


def _dutch(error: dict[str, Any]) -> str:
    field = str(error["loc"][0]) if error.get("loc") else ""
    name = environment_name(field) if field in Settings.model_fields else field
    value = error.get("input")
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        why = f"moet minstens {ctx.get('ge', ctx.get('gt'))} zijn"
    elif kind in ("less_than_equal", "less_than"):
        why = f"mag hoogstens {ctx.get('le', ctx.get('lt'))} zijn"
    elif kind == "value_error":
        why = str(ctx.get("error", error.get("msg", "")))
    else:
        why = _MESSAGES.get(kind, "is ongeldig")
    shown = "" if field in SECRETS else f" (nu: {value!r})"
    return f"{name}{shown} {why}"


def _build() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(_dutch(e) for e in exc.errors())  # type: ignore[arg-type]
        raise SettingsError(f"Ongeldige instelling: {problems}.") from None


_ENV_NAMES = tuple(environment_name(name) for name in Settings.model_fields)
_built: dict[tuple[str | None, ...], Settings] = {}
_lock = threading.Lock()


def get_settings() -> Settings:
    """The settings, validated once per process.

    Kept per value of the environment variables: a server's environment never changes, so it
    is built once; tests that change a variable get a settings object of their own instead
    of a stale one.
    """
    key = tuple(os.environ.get(name) for name in _ENV_NAMES)
    settings = _built.get(key)
    if settings is None:
        with _lock:
            settings = _built.get(key)
            if settings is None:
                settings = _built[key] = _build()
    return settings
