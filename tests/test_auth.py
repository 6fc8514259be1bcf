"""Local accounts: argon2, lockout, no user enumeration, deactivation, production mode."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from data_access.access import Scope
from data_access.models import Rol
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.settings import get_settings
from data_access.users import (
    LOGIN_FAILED,
    LoginError,
    UserAdminError,
    authenticate,
    create_user,
    set_active,
)

PASSWORD = "correct-paard-batterij"


@pytest.fixture
def engine(empty_engine: sa.Engine) -> sa.Engine:
    create_user(
        empty_engine,
        Scope.operator(),
        username="adv",
        display_name="Adviseur",
        role=Rol.ADVISEUR,
        password=PASSWORD,
    )
    return empty_engine


def test_password_is_stored_as_argon2_hash(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT wachtwoord_hash FROM gebruiker")).scalar()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_correct_password_logs_in(engine: sa.Engine) -> None:
    identity = authenticate(engine, username="adv", password=PASSWORD)
    assert identity.rol == Rol.ADVISEUR and identity.gebruikersnaam == "adv"


def test_wrong_password_and_unknown_user_get_the_same_message(engine: sa.Engine) -> None:
    with pytest.raises(LoginError) as wrong:
        authenticate(engine, username="adv", password="fout-wachtwoord")
    with pytest.raises(LoginError) as unknown:
        authenticate(engine, username="bestaat-niet", password="fout-wachtwoord")
    assert str(wrong.value) == str(unknown.value) == LOGIN_FAILED


def test_account_locks_after_repeated_failures(engine: sa.Engine) -> None:
    for _ in range(get_settings().max_failed_logins):
        with pytest.raises(LoginError):
            authenticate(engine, username="adv", password="fout")
    with pytest.raises(LoginError):  # even the right password is refused while locked
        authenticate(engine, username="adv", password=PASSWORD)


def test_deactivated_account_is_refused(engine: sa.Engine) -> None:
    set_active(engine, Scope.operator(), username="adv", active=False)
    with pytest.raises(LoginError):
        authenticate(engine, username="adv", password=PASSWORD)


def test_demo_accounts_refused_in_production(
    demo_engine_rw: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert authenticate(demo_engine_rw, username="demo.adviseur", password=DEMO_PASSWORD).is_demo
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(LoginError):
        authenticate(demo_engine_rw, username="demo.adviseur", password=DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": Rol.AANBIEDER}, "hoort bij een aanbieder"),
        ({"role": Rol.ADVISEUR, "password": "kort"}, "minstens 12"),
        ({"role": Rol.ADVISEUR, "password": None}, "wachtwoord of een e-mailadres"),
        ({"role": Rol.ADVISEUR, "username": "adv"}, "bestaat al"),
        ({"role": Rol.AANBIEDER, "provider_id": 999_999}, "bestaat niet"),
    ],
)
def test_create_user_explains_bad_input(engine: sa.Engine, kwargs: dict, message: str) -> None:
    args = {"username": "nieuw", "display_name": "Nieuw", "password": PASSWORD} | kwargs
    with pytest.raises(UserAdminError, match=message):
        create_user(engine, Scope.operator(), **args)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM gebruiker")).scalar() == 1
