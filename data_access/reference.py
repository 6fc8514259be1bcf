"""Reference data shipped as CSV in sample_data/reference/."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import pandas as pd

from data_access.settings import REFERENCE_DIR


def _read(name: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, keep_default_na=False, **kwargs)  # type: ignore[arg-type]


@cache
def gemeenten_regio() -> pd.DataFrame:
    """The 14 municipalities of Amsterdam-Amstelland and Zaanstreek-Waterland (2018 layout)."""
    return _read("gemeenten_regio.csv", dtype={"cbs_code": str})


@cache
def gemeenten_nl() -> pd.DataFrame:
    """All 342 municipalities (CBS, 1-1-2025) with their youth-care region."""
    return _read("gemeenten_nl.csv", dtype={"cbs_code": str})


@cache
def jeugdregios_nl() -> pd.DataFrame:
    return _read("jeugdregio_nl.csv")


def _as_bool(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower() == "true"


REGIO_NAMEN = {"AA": "Amsterdam-Amstelland", "ZAWA": "Zaanstreek-Waterland"}


@cache
def reden_beeindiging() -> pd.DataFrame:
    df = _read("reden_beeindiging.csv", dtype={"code": str})
    df["uitval"] = _as_bool(df["uitval"])
    return df


@cache
def profielen() -> pd.DataFrame:
    return _read("profielen.csv")


@cache
def intensiteiten() -> pd.DataFrame:
    return _read("intensiteiten.csv")


@cache
def spic_catalogus() -> pd.DataFrame:
    """SPIC codes joined with profile and intensity names, ids 1..88 in file order."""
    spic = _read("spic.csv")
    spic["verblijf"] = _as_bool(spic["verblijf"])
    spic = spic.merge(profielen().rename(columns={"nr": "profiel_nr", "naam": "profiel_naam"}))
    spic = spic.merge(
        intensiteiten().rename(columns={"nr": "intensiteit_nr", "naam": "intensiteit_naam"})
    )
    spic = spic.sort_values(["segment", "profiel_nr", "intensiteit_nr"]).reset_index(drop=True)
    spic.insert(0, "id", range(1, len(spic) + 1))
    return spic


@cache
def spic_tarieven() -> pd.DataFrame:
    """Tariff per SPIC and year, in cents (exact: parsed as Decimal, never float)."""
    df = _read("spic_tarief.csv", dtype={"tarief": str})
    ids = dict(zip(spic_catalogus()["code"], spic_catalogus()["id"], strict=True))
    df["spic_id"] = df["spic_code"].map(ids)
    df["tarief_cent"] = [int(Decimal(t) * 100) for t in df["tarief"]]
    return df[["spic_id", "jaar", "tarief_cent"]]


# iJw allocations name a product (JZ020 category + a regional product code of five characters),
# not a SPIC. Until the beheerder maps the region's own codes, each SPIC gets the code
# segment + profile + "I" + intensity ("B03I2"), under category 43 (verblijf incl. behandeling)
# when it includes residential care and 45 (jeugdhulp ambulant) otherwise.
DEFAULT_PRODUCTKOPPELING_SQL = (
    "INSERT INTO productkoppeling (productcategorie, productcode, spic_id) "
    "SELECT CASE WHEN verblijf THEN '43' ELSE '45' END, "
    "segment || CASE WHEN profiel_nr < 10 THEN '0' ELSE '' END "
    "|| CAST(profiel_nr AS VARCHAR(2)) || 'I' || CAST(intensiteit_nr AS VARCHAR(1)), id "
    "FROM spic"
)
