"""Property-based tests (hypothesis): hostile input is stored verbatim or refused, never more.

Every validator and the privacy screen get arbitrary unicode (surrogates and control
characters included), NUL bytes, very long text, markdown/HTML/script and SQL-looking payloads
and numbers at and past their limits. The outcome is always one of two: accepted and stored
exactly as given (surrounding whitespace trimmed), or refused with a Dutch message. Never an
unexpected exception, never a partial row. The database tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_access.access import Scope
from data_access.imports import Bestand, ImportGeweigerd, Uitvoerder, importeer
from data_access.models import Rol
from data_access.privacy import elfproef, screen
from data_access.register import meetings, reports
from data_access.users import UserAdminError, create_user
from data_access.validation import ValidationFailed
from tests.helpers import sql_scalar, user_scope
from tests.test_knelpunten import GOOD, _counts

# Every code point, including lone surrogates and control characters.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
PAYLOADS = st.sampled_from(
    [
        "<script>alert('x')</script>",
        "**vet** _schuin_ [link](javascript:alert(1)) ![img](http://x/y.png)",
        "'; DROP TABLE knelpunt; --",
        '" OR 1=1 --',
        "<img src=x onerror=alert(1)>",
        "$(rm -rf /)",
        "{{7*7}} ${7*7}",
        "\x00",
        "\u202e omgekeerd",
        "Zoë’s café — “quotes” 🚸",
    ]
)
HOSTILE_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(st.one_of(PAYLOADS, st.text(ANY_CHAR, max_size=20)), max_size=12).map("".join),
    st.integers(0, 7000).map(lambda n: "x" * n),  # at and past every length limit
)
HUGE_INTS = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([-1, 0, 1, 11, 12, 10_000, 10_001, 2**31, 2**63, -(2**63)]),
)
DB_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_counter = itertools.count()
GOOD_DATE = dt.date(2026, 12, 1)


@settings(max_examples=300, deadline=None)
@given(text=HOSTILE_TEXT)
def test_privacy_screen_never_raises_and_answers_in_dutch(text: str) -> None:
    problems = screen(text, "Omschrijving")
    assert all(isinstance(p, str) and p.startswith("Omschrijving") for p in problems)


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(st.characters(exclude_categories=("Nd",)), max_size=50),
    after=st.text(st.characters(exclude_categories=("Nd",)), max_size=50),
    digits=st.lists(st.integers(0, 9), min_size=8, max_size=8),
)
def test_every_valid_bsn_is_caught_wherever_it_stands(
    before: str, after: str, digits: list[int]
) -> None:
    check = next((d for d in range(10) if elfproef("".join(map(str, [*digits, d])))), None)
    if check is None or sum(digits) == 0:
        return
    bsn = "".join(map(str, [*digits, check]))
    assert any("burgerservicenummer" in p for p in screen(f"{before} {bsn} {after}", "Titel"))


@DB_SETTINGS
@given(titel=HOSTILE_TEXT, omschrijving=HOSTILE_TEXT)
def test_a_report_is_stored_verbatim_or_refused_whole(
    demo_engine_rw: sa.Engine, titel: str, omschrijving: str
) -> None:
    scope = user_scope(demo_engine_rw, "demo.aanbieder")
    before = _counts(demo_engine_rw)
    melding = dataclasses.replace(GOOD, titel=titel, omschrijving=omschrijving)
    try:
        stored = reports.submit(demo_engine_rw, scope, melding=melding)
    except ValidationFailed as exc:
        assert exc.errors and all(
            isinstance(m, str) and m for messages in exc.errors.values() for m in messages
        )
        assert _counts(demo_engine_rw) == before  # not a single row of it
        return
    with demo_engine_rw.connect() as conn:
        row = conn.execute(
            sa.text("SELECT titel, omschrijving FROM knelpunt WHERE id = :i"), {"i": stored.id}
        ).one()
    assert tuple(row) == (titel.strip(), omschrijving.strip())
    assert _counts(demo_engine_rw) == (before[0] + 1, before[1] + 1, before[2] + 2)


@DB_SETTINGS
@given(
    profiel=st.one_of(st.none(), HUGE_INTS),
    gezinnen=st.one_of(st.none(), HUGE_INTS),
    gemeenten=st.lists(
        st.one_of(st.sampled_from(["GM0363", "GM0479"]), st.text(ANY_CHAR)), max_size=4
    ),
)
def test_numbers_and_codes_past_their_limits_are_refused_not_crashed(
    demo_engine_rw: sa.Engine, profiel: int | None, gezinnen: int | None, gemeenten: list[str]
) -> None:
    scope = user_scope(demo_engine_rw, "demo.aanbieder")
    before = _counts(demo_engine_rw)
    melding = dataclasses.replace(
        GOOD, profiel_nr=profiel, aantal_gezinnen=gezinnen, gemeenten=tuple(gemeenten)
    )
    try:
        reports.submit(demo_engine_rw, scope, melding=melding)
    except ValidationFailed as exc:
        assert set(exc.errors) <= {"profiel_nr", "aantal_gezinnen", "gemeenten"}
        assert _counts(demo_engine_rw) == before
    else:
        assert profiel is None or 1 <= profiel <= 11
        assert gezinnen is None or 0 <= gezinnen <= 10_000


@DB_SETTINGS
@given(tekst=HOSTILE_TEXT, titel=HOSTILE_TEXT)
def test_comments_and_meeting_titles_are_stored_verbatim_or_refused(
    demo_engine_rw: sa.Engine, tekst: str, titel: str
) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    events = sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM knelpuntgebeurtenis")
    try:
        reports.comment(demo_engine_rw, kerngroep, knelpunt_id=1, tekst=tekst, intern=False)
    except ValidationFailed:
        assert sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM knelpuntgebeurtenis") == events
    else:
        last = sql_scalar(
            demo_engine_rw,
            "SELECT tekst FROM knelpuntgebeurtenis "
            "WHERE id = (SELECT MAX(id) FROM knelpuntgebeurtenis)",
        )
        assert last == tekst.strip()
    meeting_count = sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM overleg")
    try:
        overleg_id = meetings.create(demo_engine_rw, kerngroep, datum=GOOD_DATE, titel=titel)
    except ValidationFailed:
        assert sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM overleg") == meeting_count
    else:
        stored = sql_scalar(demo_engine_rw, "SELECT titel FROM overleg WHERE id = :i", i=overleg_id)
        assert stored == titel.strip()


@DB_SETTINGS
@given(naam=HOSTILE_TEXT, weergave=HOSTILE_TEXT, wachtwoord=HOSTILE_TEXT)
def test_user_accounts_are_created_as_given_or_refused(
    demo_engine_rw: sa.Engine, naam: str, weergave: str, wachtwoord: str
) -> None:
    users = sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM gebruiker")
    naam = f"{naam}{next(_counter)}"  # never an accidental duplicate of an earlier example
    try:
        create_user(
            demo_engine_rw,
            Scope.operator(),
            username=naam,
            display_name=weergave,
            role=Rol.ADVISEUR,
            password=wachtwoord,
        )
    except UserAdminError as exc:
        assert str(exc)
        assert sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM gebruiker") == users
    else:
        stored = sql_scalar(
            demo_engine_rw, "SELECT weergavenaam FROM gebruiker WHERE gebruikersnaam = :n", n=naam
        )
        assert stored == weergave


CELL = st.one_of(
    st.text(ANY_CHAR.filter(lambda c: c not in ';\n\r"'), max_size=30),
    PAYLOADS.filter(lambda p: ";" not in p),
    st.sampled_from(
        [
            "TW000000001",
            "98000017",
            "02-2020",
            "6,5",
            "578,03",
            "-1",
            "1e309",
            "99999999999999999999,99",
            "31-02-2019",
            "",
            " ",
            "NaN",
            "inf",
        ]
    ),
)


@DB_SETTINGS
@given(rows=st.lists(st.lists(CELL, min_size=5, max_size=5), min_size=1, max_size=6))
def test_an_import_of_arbitrary_cells_is_refused_with_a_table_or_fully_applied(
    demo_engine_rw: sa.Engine, rows: list[list[str]]
) -> None:
    text = "toewijzingnummer;aanbieder;maand;uren;kosten\n" + "\n".join(";".join(r) for r in rows)
    count = sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM inzet")
    total = sql_scalar(demo_engine_rw, "SELECT SUM(kosten_cent) FROM inzet")
    try:
        [verslag] = importeer(
            demo_engine_rw,
            uitvoerder=Uitvoerder("hypothesis"),
            bestanden=[Bestand("inzet.csv", text.encode("utf-8", "surrogatepass"))],
        )
    except ImportGeweigerd as exc:
        assert len(exc.fouten) >= 1 and exc.fouten["Probleem"].map(bool).all()
        assert sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM inzet") == count
        assert sql_scalar(demo_engine_rw, "SELECT SUM(kosten_cent) FROM inzet") == total
    else:
        assert sql_scalar(demo_engine_rw, "SELECT COUNT(*) FROM inzet") == count + verslag.nieuw


@pytest.mark.parametrize("size", [0, 1, 64, 65_537])
def test_bytes_of_any_kind_never_crash_the_reader(demo_engine_rw: sa.Engine, size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    for name in ("x.csv", "x.xlsx", "x.xml"):
        with pytest.raises(ImportGeweigerd):
            importeer(
                demo_engine_rw,
                uitvoerder=Uitvoerder("test"),
                bestanden=[Bestand(name, data[:size])],
            )
