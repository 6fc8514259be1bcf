"""Settings read from the environment, with safe defaults for a first local start."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA_DIR = PROJECT_ROOT / "sample_data"
REFERENCE_DIR = SAMPLE_DATA_DIR / "reference"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def normalise_database_url(url: str) -> str:
    """Let users paste a plain PostgreSQL URL; SQLAlchemy needs the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _decimal_env(name: str, default: str) -> Decimal:
    return Decimal(os.environ.get(name, default))


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    environment: str = "development"
    # Share of the SPIC tariff paid at the start; the rest follows on completion.
    start_tranche_share: Decimal = Decimal("0.70")
    session_timeout_minutes: int = 30
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    # Aggregates over fewer cases than this are suppressed for roles that see no detail.
    suppression_threshold: int = 10
    pseudonym_secret: str = field(default="", repr=False)

    @property
    def is_production(self) -> bool:
        return self.environment.lower() in {"production", "productie", "prod"}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("SPIC_DATA_DIR", DEFAULT_DATA_DIR))
    default_url = f"sqlite:///{data_dir / 'spic_monitor.db'}"
    return Settings(
        database_url=normalise_database_url(os.environ.get("DATABASE_URL", default_url)),
        data_dir=data_dir,
        environment=os.environ.get("ENVIRONMENT", "development"),
        start_tranche_share=_decimal_env("SPIC_START_TRANCHE_SHARE", "0.70"),
        session_timeout_minutes=int(os.environ.get("SPIC_SESSION_TIMEOUT_MINUTES", "30")),
        max_failed_logins=int(os.environ.get("SPIC_MAX_FAILED_LOGINS", "5")),
        lockout_minutes=int(os.environ.get("SPIC_LOCKOUT_MINUTES", "15")),
        suppression_threshold=int(os.environ.get("SPIC_SUPPRESSION_THRESHOLD", "10")),
        pseudonym_secret=os.environ.get("SPIC_PSEUDONYM_SECRET", ""),
    )
