"""Local accounts: argon2, lockout, no user enumeration, deactivation, production mode."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from data_access.auth import (
    LOGIN_FAILED,
    LoginError,
    UserAdminError,
    authenticate,
    create_user,
    set_active,
)
from data_access.models import Rol
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.settings import get_settings

PASSWORD = "correct-paard-batterij"


@pytest.fixture
def engine(empty_engine: sa.Engine) -> sa.Engine:
    create_user(
        empty_engine,
        gebruikersnaam="adv",
        weergavenaam="Adviseur",
        rol=Rol.ADVISEUR,
        wachtwoord=PASSWORD,
    )
    return empty_engine


def test_password_is_stored_as_argon2_hash(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT wachtwoord_hash FROM gebruiker")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_correct_password_logs_in(engine: sa.Engine) -> None:
    identity = authenticate(engine, "adv", PASSWORD)
    assert identity.rol == Rol.ADVISEUR and identity.gebruikersnaam == "adv"


def test_wrong_password_and_unknown_user_get_the_same_message(engine: sa.Engine) -> None:
    with pytest.raises(LoginError) as wrong:
        authenticate(engine, "adv", "fout-wachtwoord")
    with pytest.raises(LoginError) as unknown:
        authenticate(engine, "bestaat-niet", "fout-wachtwoord")
    assert str(wrong.value) == str(unknown.value) == LOGIN_FAILED


def test_account_locks_after_repeated_failures(engine: sa.Engine) -> None:
    for _ in range(get_settings().max_failed_logins):
        with pytest.raises(LoginError):
            authenticate(engine, "adv", "fout")
    with pytest.raises(LoginError):  # even the right password is refused while locked
        authenticate(engine, "adv", PASSWORD)


def test_deactivated_account_is_refused(engine: sa.Engine) -> None:
    set_active(engine, "adv", False)
    with pytest.raises(LoginError):
        authenticate(engine, "adv", PASSWORD)


def test_demo_accounts_refused_in_production(demo_engine_rw: sa.Engine) -> None:
    assert authenticate(demo_engine_rw, "demo.adviseur", DEMO_PASSWORD).is_demo
    production = dataclasses.replace(get_settings(), environment="production")
    with pytest.raises(LoginError):
        authenticate(demo_engine_rw, "demo.adviseur", DEMO_PASSWORD, production)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rol": Rol.AANBIEDER}, "hoort bij een aanbieder"),
        ({"rol": Rol.ADVISEUR, "wachtwoord": "kort"}, "minstens 12"),
        ({"rol": Rol.ADVISEUR, "wachtwoord": None}, "wachtwoord of een e-mailadres"),
        ({"rol": Rol.ADVISEUR, "gebruikersnaam": "adv"}, "bestaat al"),
    ],
)
def test_create_user_explains_bad_input(engine: sa.Engine, kwargs: dict, message: str) -> None:
    args = {"gebruikersnaam": "nieuw", "weergavenaam": "Nieuw", "wachtwoord": PASSWORD} | kwargs
    with pytest.raises(UserAdminError, match=message):
        create_user(engine, **args)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM gebruiker")).scalar() == 1
