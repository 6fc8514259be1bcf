"""Check and convert the text of an import file, column by column, without touching the database.

Every check works on whole columns (pandas string methods), so a million rows take seconds.
A problem becomes a row of the Dutch error table: file, row, column, value, problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access.imports.reading import Tabel
from data_access.imports.spec import PER_KEY, SOORTEN, TYPES, Kolom, Soort
from data_access.privacy import elfproef

FOUT_KOLOMMEN = ["Bestand", "Rij", "Kolom", "Waarde", "Probleem"]
MAX_PER_PROBLEEM = 200  # per file, column and problem; a summary row counts the rest
FIRST_DATA_ROW = 2  # row 1 of a file is the header
JZ020 = frozenset({*(str(c) for c in range(31, 39)), *(str(c) for c in range(40, 56))})


class Fouten:
    """The growing error table of one import."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []
        self.aantal = 0

    def add(
        self,
        bron: str,
        rijen: pd.Index | list[object],
        kolom: str,
        waarden: pd.Series | list[object] | str,
        probleem: str,
    ) -> None:
        rijen = list(rijen)
        if not rijen:
            return
        self.aantal += len(rijen)
        shown = rijen[:MAX_PER_PROBLEEM]
        if isinstance(waarden, str):
            values: list[object] = [waarden] * len(shown)
        else:
            values = list(waarden)[:MAX_PER_PROBLEEM]
        part = pd.DataFrame(
            {
                "Bestand": bron,
                "Rij": [str(r) for r in shown],
                "Kolom": kolom,
                "Waarde": ["" if pd.isna(v) else str(v) for v in values],
                "Probleem": probleem,
            }
        )
        if len(rijen) > MAX_PER_PROBLEEM:
            rest = len(rijen) - MAX_PER_PROBLEEM
            part.loc[len(part)] = [bron, "…", kolom, "", f"{probleem} (en nog {rest} rijen)"]
        self._parts.append(part)

    def add_file(self, bron: str, probleem: str, kolom: str = "") -> None:
        self.add(bron, [""], kolom, "", probleem)

    def __bool__(self) -> bool:
        return self.aantal > 0

    def tabel(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=FOUT_KOLOMMEN)
        return pd.concat(self._parts, ignore_index=True)


@dataclass(frozen=True)
class Opzoek:
    """The reference lists a file is checked against, read once per import."""

    gemeenten: frozenset[str]
    aanbieders: dict[str, int]  # AGB code and lower-case name -> id
    spics: dict[str, int]
    richtduur: dict[str, int]  # SPIC code -> planned duration in months
    redenen: frozenset[str]
    productkoppeling: dict[tuple[str, str], str] = field(default_factory=dict)


def opzoek(conn: Connection) -> Opzoek:
    def rows(sql: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in conn.execute(sa.text(sql))]

    aanbieders: dict[str, int] = {}
    for id_, naam, agb in rows("SELECT id, naam, agb_code FROM aanbieder"):
        aanbieders[str(naam).strip().lower()] = int(id_)  # type: ignore[call-overload]
        if agb:
            aanbieders[str(agb)] = int(id_)  # type: ignore[call-overload]
    spic_rows = rows("SELECT code, id, richtduur_maanden FROM spic")
    return Opzoek(
        gemeenten=frozenset(str(r[0]) for r in rows("SELECT cbs_code FROM gemeente")),
        aanbieders=aanbieders,
        spics={str(c): int(i) for c, i, _ in spic_rows},  # type: ignore[call-overload]
        richtduur={str(c): int(d) for c, _, d in spic_rows},  # type: ignore[call-overload]
        redenen=frozenset(str(r[0]) for r in rows("SELECT code FROM redenbeeindiging")),
        productkoppeling={
            (str(cat), str(code)): str(spic)
            for cat, code, spic in rows(
                "SELECT p.productcategorie, p.productcode, s.code FROM productkoppeling p "
                "JOIN spic s ON s.id = p.spic_id"
            )
        },
    )


# --- which kind of file is this ------------------------------------------------------------


def detect(tabel: Tabel, fouten: Fouten, forced: str | None = None) -> Soort | None:
    """The kind a table holds, by sheet or file name, else by its columns; None after errors."""
    columns = set(tabel.frame.columns)
    if forced:
        soort = PER_KEY[forced]
    else:
        stem = tabel.bron.rsplit("›", 1)[-1].strip().lower().rsplit(".", 1)[0]
        soort = PER_KEY.get(stem) or _by_columns(columns)
    if soort is None:
        best = max(SOORTEN, key=lambda s: len(columns & set(s.namen)))
        fouten.add_file(
            tabel.bron,
            "Onbekend soort bestand: de kolommen passen bij geen van de sjablonen. Het meest "
            f"lijkt het op '{best.titel}'; gebruik het sjabloon daarvan.",
        )
        return None
    missing = sorted(soort.verplichte_namen - columns)
    unknown = sorted(columns - set(soort.namen))
    for name in missing:
        fouten.add_file(tabel.bron, f"Verplichte kolom ontbreekt (sjabloon '{soort.titel}').", name)
    for name in unknown:
        fouten.add_file(
            tabel.bron,
            f"Onbekende kolom voor '{soort.titel}'. Toegestaan: {', '.join(soort.namen)}.",
            name,
        )
    if tabel.frame.empty and not missing:
        fouten.add_file(tabel.bron, "Het bestand bevat alleen een kopregel en geen gegevens.")
    return None if missing or unknown or tabel.frame.empty else soort


def _by_columns(columns: set[str]) -> Soort | None:
    fitting = [s for s in SOORTEN if s.verplichte_namen <= columns and columns <= set(s.namen)]
    return fitting[0] if len(fitting) == 1 else None


# --- converting one column -------------------------------------------------------------------

_NUMBER = r"-?\d+(?:\.\d+)?"


def _rows(mask: pd.Series) -> pd.Index:
    return mask[mask].index + FIRST_DATA_ROW


def _numbers(text: pd.Series) -> pd.Series:
    """Dutch or plain notation to a dot decimal: '1.234,56' and '€ 1234,56' -> '1234.56'."""
    cleaned = text.str.replace(r"[€\s\u00a0]", "", regex=True)
    comma = cleaned.str.contains(",", regex=False).fillna(False)
    dutch = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return cleaned.where(~comma, dutch)


def _dates(text: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        missing = parsed.isna() & text.notna()
        if not missing.any():
            break
        parsed = parsed.fillna(pd.to_datetime(text.where(missing), format=fmt, errors="coerce"))
    return parsed


def _months(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First days of months, and the mask of dates that are not on a first day."""
    parsed = pd.to_datetime(text, format="%m-%Y", errors="coerce")
    missing = parsed.isna() & text.notna()
    if missing.any():
        parsed = parsed.fillna(pd.to_datetime(text.where(missing), format="%Y-%m", errors="coerce"))
    missing = parsed.isna() & text.notna()
    not_first = pd.Series(False, index=text.index)
    if missing.any():
        full = _dates(text.where(missing))
        not_first = full.notna() & (full.dt.day != 1)
        parsed = parsed.fillna(full.where(~not_first))
    return parsed, not_first


def _convert(
    bron: str, kolom: Kolom, text: pd.Series, lookups: Opzoek, fouten: Fouten
) -> pd.Series:
    """The column converted to its database values; bad cells are reported and become NA."""
    present = text.notna()
    if kolom.verplicht:
        fouten.add(bron, _rows(~present), kolom.naam, "", "Verplicht veld is leeg.")
    result: pd.Series
    bad: pd.Series
    problem = ""
    kind = kolom.type
    if kind in ("tekst", "pseudoniem", "toewijzing"):
        result = text
        control = text.str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", regex=True).fillna(False)
        fouten.add(
            bron, _rows(control), kolom.naam, "(niet getoond)", "Bevat onzichtbare stuurtekens."
        )
        bad = pd.Series(False, index=text.index)
        if kolom.max_lengte:
            too_long = (text.str.len() > kolom.max_lengte).fillna(False)
            fouten.add(
                bron,
                _rows(too_long),
                kolom.naam,
                text[too_long],
                f"Langer dan {kolom.max_lengte} tekens.",
            )
            bad = too_long
        if kind == "pseudoniem":
            nine = text.str.fullmatch(r"\d{9}").fillna(False)
            bsn = nine & text.where(nine, "").map(elfproef).astype(bool)
            # The value itself is not repeated: the error table is downloaded and passed on.
            fouten.add(
                bron,
                _rows(bsn),
                kolom.naam,
                "(niet getoond)",
                "Lijkt een BSN. Lever een pseudoniem aan; BSN's worden nooit opgeslagen.",
            )
            bad = bad | bsn
        return result.where(~(bad | control))
    if kind == "gemeente":
        result = text.str.upper()
        bad = present & ~result.isin(lookups.gemeenten)
        problem = "Onbekende CBS-gemeentecode (verwacht bijvoorbeeld GM0363)."
    elif kind == "aanbieder":
        keys = text.where(text.str.fullmatch(r"\d+").fillna(False), text.str.lower())
        result = keys.map(lookups.aanbieders).astype("Int64")
        bad = present & result.isna()
        problem = "Onbekende aanbieder: geef de AGB-code of de naam zoals in SPIC-monitor."
    elif kind == "spic":
        result = text.str.upper().map(lookups.spics).astype("Int64")
        bad = present & result.isna()
        problem = "Onbekende SPIC-code (verwacht bijvoorbeeld B-P03-I2)."
    elif kind == "datum":
        result = _dates(text)
        bad = present & (result.isna() | (result.dt.year < 1990) | (result.dt.year > 2100))
        problem = "Geen geldige datum (verwacht dd-mm-jjjj, bijvoorbeeld 15-03-2019)."
    elif kind == "maand":
        result, not_first = _months(text)
        fouten.add(
            bron,
            _rows(not_first),
            kolom.naam,
            text[not_first],
            "Een maand wordt aangegeven met de eerste dag van de maand of als mm-jjjj.",
        )
        bad = present & result.isna() & ~not_first
        problem = "Geen geldige maand (verwacht mm-jjjj, bijvoorbeeld 03-2019)."
        bad = bad | not_first
    elif kind in ("bedrag", "getal", "jaar"):
        return _convert_number(bron, kolom, text, fouten)
    elif kind == "keuze":
        result = text.str.lower()
        bad = present & ~result.isin(kolom.keuzes)
        problem = f"Onbekende waarde. Kies uit: {', '.join(kolom.keuzes)}."
    elif kind == "reden":
        result = text.where(~text.str.fullmatch(r"\d").fillna(False), "0" + text)
        bad = present & ~result.isin(lookups.redenen)
        problem = "Onbekende reden beëindiging (iJw-codelijst JZ588, bijvoorbeeld 31)."
    elif kind == "ja_nee":
        lowered = text.str.lower()
        result = lowered.map(
            {
                "ja": True,
                "j": True,
                "1": True,
                "true": True,
                "waar": True,
                "nee": False,
                "n": False,
                "0": False,
                "false": False,
                "onwaar": False,
            }
        ).astype("boolean")
        bad = present & result.isna()
        problem = "Vul ja of nee in."
    elif kind == "productcategorie":
        result = text.str.zfill(2)
        bad = present & ~result.isin(JZ020)
        problem = "Onbekende productcategorie (iJw-codelijst JZ020, bijvoorbeeld 45)."
    elif kind == "productcode":
        result = text.str.upper()
        bad = present & ~result.str.fullmatch(r"[A-Z0-9]{5}").fillna(False)
        problem = "Een productcode bestaat uit precies vijf letters of cijfers."
    else:  # pragma: no cover - every type in TYPES is handled above
        raise ValueError(f"unknown column type {kind!r}")
    assert kind in TYPES
    fouten.add(bron, _rows(bad), kolom.naam, text[bad], problem)
    return result.where(~bad)


def _convert_number(bron: str, kolom: Kolom, text: pd.Series, fouten: Fouten) -> pd.Series:
    present = text.notna()
    cleaned = _numbers(text)
    is_number = cleaned.str.fullmatch(_NUMBER).fillna(False)
    whole = kolom.type == "jaar"
    decimals = 0 if whole else (2 if kolom.type == "bedrag" else kolom.decimalen)
    pattern = r"-?\d+" if decimals == 0 else rf"-?\d+(?:\.\d{{1,{decimals}}})?"
    fits = cleaned.str.fullmatch(pattern).fillna(False)
    not_number = present & ~is_number
    fouten.add(
        bron,
        _rows(not_number),
        kolom.naam,
        text[not_number],
        "Geen getal (gebruik een komma voor decimalen, bijvoorbeeld 1234,56).",
    )
    too_precise = present & is_number & ~fits
    fouten.add(
        bron,
        _rows(too_precise),
        kolom.naam,
        text[too_precise],
        "Te veel cijfers achter de komma." if decimals else "Geen geheel getal.",
    )
    values = pd.to_numeric(cleaned.where(fits), errors="coerce")
    bad = present & ~fits
    if kolom.minimum is not None:
        low = values < float(kolom.minimum)
        if kolom.minimum == 0:
            message = "Mag niet negatief zijn."
        elif kolom.type == "bedrag":
            message = "Moet groter zijn dan nul."
        else:
            message = f"Moet minstens {kolom.minimum} zijn."
        fouten.add(bron, _rows(low.fillna(False)), kolom.naam, text[low.fillna(False)], message)
        bad = bad | low.fillna(False)
    if kolom.maximum is not None:
        high = (values > float(kolom.maximum)).fillna(False)
        fouten.add(
            bron, _rows(high), kolom.naam, text[high], f"Mag niet meer zijn dan {kolom.maximum}."
        )
        bad = bad | high
    # Amounts above what a BIGINT of cents holds are caught by the maximum of a float's precision.
    huge = (values.abs() >= 1e13).fillna(False) & ~bad
    fouten.add(bron, _rows(huge), kolom.naam, text[huge], "Het getal is te groot.")
    bad = bad | huge
    values = values.where(~bad)
    if kolom.type == "bedrag":
        return (values * 100).round().astype("Int64")
    if whole:
        return values.round().astype("Int64")
    return values


# --- the whole table -------------------------------------------------------------------------


def convert(tabel: Tabel, soort: Soort, lookups: Opzoek, fouten: Fouten) -> pd.DataFrame:
    """Database values for every column the file has, plus `_rij` (the row in the file)."""
    before = fouten.aantal
    frame = tabel.frame
    out = pd.DataFrame({"_rij": (frame.index + FIRST_DATA_ROW).astype("int64")}, index=frame.index)
    for kolom in soort.kolommen:
        if kolom.naam in frame.columns:
            out[kolom.veld] = _convert(tabel.bron, kolom, frame[kolom.naam], lookups, fouten)
    _row_rules(tabel.bron, soort, out, fouten)
    if fouten.aantal == before:
        _duplicates(tabel.bron, soort, out, fouten)
    return out


def _row_rules(bron: str, soort: Soort, out: pd.DataFrame, fouten: Fouten) -> None:
    def check(mask: pd.Series, kolom: str, veld: str, probleem: str) -> None:
        mask = mask.fillna(False).astype(bool)
        fouten.add(bron, out.loc[mask, "_rij"], kolom, out.loc[mask, veld], probleem)

    if soort.key == "trajecten":
        check(
            out["geplande_einddatum"] < out["startdatum"],
            "geplande_einddatum",
            "geplande_einddatum",
            "Geplande einddatum ligt voor de startdatum.",
        )
        if "einddatum" in out:
            check(
                out["einddatum"] < out["startdatum"],
                "einddatum",
                "einddatum",
                "Einddatum ligt voor de startdatum.",
            )
            reden = out.get("reden_beeindiging")
            if reden is not None:
                check(
                    out["einddatum"].notna() & reden.isna(),
                    "reden_beeindiging",
                    "reden_beeindiging",
                    "Bij een einddatum hoort een reden beëindiging.",
                )
                check(
                    out["einddatum"].isna() & reden.notna(),
                    "einddatum",
                    "einddatum",
                    "Een reden beëindiging zonder einddatum.",
                )
        if "vorig_toewijzingnummer" in out:
            check(
                out["vorig_toewijzingnummer"] == out["toewijzingnummer"],
                "vorig_toewijzingnummer",
                "vorig_toewijzingnummer",
                "Een traject kan niet zijn eigen vorige traject zijn.",
            )
    elif soort.key == "onderaannemingen":
        check(
            out["hoofdaannemer_id"] == out["onderaannemer_id"],
            "onderaannemer",
            "onderaannemer_id",
            "Hoofdaannemer en onderaannemer zijn dezelfde aanbieder.",
        )
        if "einddatum" in out:
            check(
                out["einddatum"] < out["startdatum"],
                "einddatum",
                "einddatum",
                "Einddatum ligt voor de startdatum.",
            )
        for vorm, veld, naam in (
            ("structureel_fte", "fte", "fte"),
            ("gereserveerde_uren", "uren_per_week", "uren_per_week"),
        ):
            values = out[veld] if veld in out else pd.Series(np.nan, index=out.index)
            check(
                (out["vorm"] == vorm) & values.isna(),
                naam,
                "vorm",
                f"Bij vorm {vorm} is {naam} verplicht.",
            )


def _duplicates(bron: str, soort: Soort, out: pd.DataFrame, fouten: Fouten) -> None:
    key = [
        "toewijzingnummer" if c == "traject_id" and "traject_id" not in out else c
        for c in soort.sleutel
    ]
    if not set(key) <= set(out.columns):
        return
    doubled = out.duplicated(subset=key, keep=False)
    if not doubled.any():
        return
    first = out[doubled].groupby(key, sort=False)["_rij"].transform("min")
    rows = out.loc[doubled, "_rij"]
    later = rows != first
    fouten.add(
        bron,
        rows[later],
        _names(soort, key[:1])[0],
        out.loc[doubled, key[0]][later],
        f"Deze regel staat al eerder in het bestand (zelfde {' + '.join(_names(soort, key))}).",
    )


def _names(soort: Soort, velden: list[str]) -> list[str]:
    by_field = {k.veld: k.naam for k in soort.kolommen}
    return [by_field.get(v, v) for v in velden]
