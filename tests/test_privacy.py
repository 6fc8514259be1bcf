"""Privacy: screening of free text (BSN by the eleven-test, e-mail, phone, control
characters) and the neutral provider names advisers see."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.analytics import analytics
from data_access.filters import Filters
from data_access.privacy import elfproef, screen
from data_access.queries import resultaat as r
from data_access.queries import segmenten as s
from data_access.queries import uitnutting as u
from tests.helpers import provider_ids, user_scope

VALID_BSN = ("111222333", "123456782", "999999990")
INVALID_NINE_DIGITS = ("123456789", "111222334", "000000000")


@pytest.mark.parametrize("number", VALID_BSN)
def test_eleven_test_accepts_valid_numbers(number: str) -> None:
    assert elfproef(number)


@pytest.mark.parametrize("number", [*INVALID_NINE_DIGITS, "12345678", "1234567890", "12345678a"])
def test_eleven_test_rejects_others(number: str) -> None:
    assert not elfproef(number)


@pytest.mark.parametrize(
    "text",
    [
        "Cliënt 111222333 wacht al maanden",
        "bsn: 123.456.782",
        "nummer 123 456 782 graag terugbellen",
        "123-456-782",
    ],
)
def test_a_bsn_is_refused_and_named(text: str) -> None:
    problems = screen(text, "Omschrijving")
    assert len(problems) == 1
    assert "burgerservicenummer" in problems[0] and problems[0].startswith("Omschrijving")


@pytest.mark.parametrize(
    "text",
    [
        "Factuur 123456789 is te laat betaald",  # nine digits, fails the eleven-test
        "Er wachten 25 gezinnen sinds 12-04-2018",
        "Tarief € 6.000 voor B-P03-I2",
        "Dossiernummer 1112223330",  # ten digits, not a phone number (no leading 0)
    ],
)
def test_ordinary_numbers_pass(text: str) -> None:
    assert screen(text, "Omschrijving") == []


@pytest.mark.parametrize(
    "text", ["mail j.jansen@zorg.example.nl", "Contact: info@praktijk.nl.", "a+b@x.org"]
)
def test_an_email_address_is_refused(text: str) -> None:
    assert any("e-mailadres" in p for p in screen(text, "Titel"))


@pytest.mark.parametrize(
    "text",
    ["bel 06-12345678", "tel 020 123 4567", "+31 6 1234 5678", "0031201234567", "0612345678"],
)
def test_a_phone_number_is_refused(text: str) -> None:
    assert any("telefoonnummer" in p for p in screen(text, "Opmerking"))


def test_several_problems_are_all_named() -> None:
    problems = screen("BSN 111222333, mail a@b.nl, bel 06-12345678", "Omschrijving")
    assert len(problems) == 3


@pytest.mark.parametrize("text", ["met\x00nul", "bel\x07", "escape\x1b[31m"])
def test_control_characters_are_refused(text: str) -> None:
    assert any("stuurtekens" in p for p in screen(text, "Omschrijving"))


def test_tabs_and_newlines_are_fine() -> None:
    assert screen("regel 1\nregel 2\tmet tab\r\n", "Omschrijving") == []


def test_an_adviser_sees_one_and_the_same_pseudonym_per_provider_everywhere(
    demo_engine: sa.Engine,
) -> None:
    """'Aanbieder 7' in the funnel is 'Aanbieder 7' in the balance and on the segment page:
    each pseudonym's figures are those of one provider, the same one on every chart."""
    period = Filters(van=dt.date(2018, 1, 1), tot=dt.date(2025, 12, 31))
    adviser = user_scope(demo_engine, "demo.adviseur")
    kerngroep = user_scope(demo_engine, "demo.kerngroep")
    numbers = analytics(demo_engine).pseudonyms()
    provider_of = {f"Aanbieder {n}": i for i, n in numbers.items()}
    assert len(provider_of) == len(numbers)  # one number per provider, none shared
    names = set(provider_ids(demo_engine))

    def pairs(adviser_frame: pd.DataFrame, full_frame: pd.DataFrame, figures: list[str]):
        full = full_frame.set_index("aanbieder_id")
        withheld = adviser_frame.get("onderdrukt", pd.Series(False, index=adviser_frame.index))
        shown = adviser_frame[~withheld.astype(bool)]
        assert len(shown) >= 5
        assert shown["aanbieder_id"].isna().all() and not shown["naam"].isin(names).any()
        for row in shown.itertuples():
            real = full.loc[provider_of[row.naam]]
            assert [getattr(row, f) for f in figures] == [real[f] for f in figures], row.naam
        return set(shown["naam"])

    seen = [
        pairs(
            r.funnel(demo_engine, adviser, filters=period).punten,
            r.funnel(demo_engine, kerngroep, filters=period).punten,
            ["n", "teller"],
        ),
        pairs(
            u.uitnutting(
                engine=demo_engine, scope=adviser, filters=period
            ).balans.per_hoofdaannemer,
            u.uitnutting(
                engine=demo_engine, scope=kerngroep, filters=period
            ).balans.per_hoofdaannemer,
            ["trajecten", "kosten_cent"],
        ),
        pairs(
            s.segmenten(engine=demo_engine, scope=adviser, filters=period).b_aanbieders,
            s.segmenten(engine=demo_engine, scope=kerngroep, filters=period).b_aanbieders,
            ["trajecten", "tarief_cent"],
        ),
    ]
    assert seen[0] & seen[1] & seen[2]  # the same pseudonyms recur across the pages
