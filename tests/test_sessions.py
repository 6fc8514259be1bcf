"""Server-side sessions: a login that survives a reload, and ends everywhere when it should."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import pytest
import sqlalchemy as sa
from starlette.requests import Request

from data_access import sessions
from data_access.access import Scope
from data_access.models import Rol, utcnow
from data_access.sessions import Einde
from data_access.users import (
    LoginError,
    UserAdminError,
    authenticate,
    change_own_password,
    create_user,
    reset_password,
    set_active,
)


@pytest.fixture
def users(empty_engine: sa.Engine) -> tuple[sa.Engine, int, int]:
    """Two accounts on an empty database: (engine, first id, second id)."""
    ids = [
        create_user(
            empty_engine,
            Scope.operator(),
            username=name,
            display_name=name,
            role=Rol.KERNGROEP,
            password="correct-paard-batterij",
        ).id
        for name in ("eerste", "tweede")
    ]
    return empty_engine, ids[0], ids[1]


def logged_in(engine: sa.Engine, user_id: int) -> tuple[int, str]:
    """A session whose cookie the browser has fetched: (session id, cookie token)."""
    started = sessions.start(engine, gebruiker_id=user_id)
    token = sessions.redeem(engine, code=started.code)
    assert token is not None
    return started.sessie_id, token


def age(engine: sa.Engine, sessie_id: int, column: str, **delta: float) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE sessie SET {column} = :t WHERE id = :id"),
            {"t": utcnow() - dt.timedelta(**delta), "id": sessie_id},
        )


def test_a_cookie_resumes_the_session_of_its_login(users: tuple[sa.Engine, int, int]) -> None:
    engine, first, _ = users
    sessie_id, token = logged_in(engine, first)
    assert len(token) == 43  # 256 bits, URL-safe base64
    assert sessions.resume(engine, token=token) == (sessie_id, first)
    assert sessions.check(engine, sessie_id=sessie_id).gebruiker_id == first


def test_neither_token_nor_code_is_stored_in_clear(users: tuple[sa.Engine, int, int]) -> None:
    engine, first, _ = users
    started = sessions.start(engine, gebruiker_id=first)
    with engine.connect() as conn:
        stored = " ".join(map(str, conn.execute(sa.text("SELECT * FROM sessie")).one()))
    assert started.code not in stored
    token = sessions.redeem(engine, code=started.code)
    assert token is not None
    with engine.connect() as conn:
        stored = " ".join(map(str, conn.execute(sa.text("SELECT * FROM sessie")).one()))
    assert token not in stored and started.code not in stored


def test_a_login_code_works_once_and_not_after_two_minutes(
    users: tuple[sa.Engine, int, int],
) -> None:
    engine, first, _ = users
    started = sessions.start(engine, gebruiker_id=first)
    assert sessions.redeem(engine, code=started.code) is not None
    assert sessions.redeem(engine, code=started.code) is None  # replayed
    late = sessions.start(engine, gebruiker_id=first)
    age(engine, late.sessie_id, "code_geldig_tot", seconds=1)
    assert sessions.redeem(engine, code=late.code) is None


@pytest.mark.parametrize(
    "cookie",
    [
        "",
        "kort",
        "x" * 44,  # one character too many
        "a" * 42 + "!",  # a character outside the alphabet
        "' OR '1'='1' -- " + "a" * 27,
        "Nooit-uitgegeven_maar_wel_goed_gevormd_0123",  # right form, never issued
    ],
)
def test_a_forged_cookie_resumes_nothing_and_is_audited(
    users: tuple[sa.Engine, int, int], cookie: str
) -> None:
    engine, first, _ = users
    logged_in(engine, first)
    assert sessions.resume(engine, token=cookie) is None
    if cookie == "":
        assert refusals(engine) == []  # no cookie is no attempt
    else:
        [(who, why)] = refusals(engine)
        assert who == "onbekend" and why.startswith("sessie geweigerd")
        assert_never_in_the_trail(engine, cookie)


def refusals(engine: sa.Engine) -> list[tuple[str, str]]:
    """(user name, subject) of every refused session in the audit trail, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT gebruikersnaam, onderwerp FROM auditregel "
                "WHERE actie = 'sessie_geweigerd' ORDER BY id"
            )
        )
        return [(str(a), str(b)) for a, b in rows]


def assert_never_in_the_trail(engine: sa.Engine, secret: str) -> None:
    with engine.connect() as conn:
        trail = " ".join(map(str, conn.execute(sa.text("SELECT * FROM auditregel")).all()))
    assert secret not in trail


def test_idle_and_absolute_timeouts_end_the_session(users: tuple[sa.Engine, int, int]) -> None:
    engine, first, _ = users
    idle, idle_token = logged_in(engine, first)
    age(engine, idle, "laatst_gebruikt", minutes=31)  # SPIC_SESSION_TIMEOUT_MINUTES=30
    assert sessions.resume(engine, token=idle_token) is None
    assert sessions.check(engine, sessie_id=idle).einde == Einde.VERLOPEN

    busy, busy_token = logged_in(engine, first)
    age(engine, busy, "aangemaakt", hours=13)  # SPIC_SESSION_MAX_HOURS=12, though in use
    assert sessions.check(engine, sessie_id=busy).einde == Einde.TE_OUD
    assert sessions.resume(engine, token=busy_token) is None


def test_a_page_run_counts_as_use(users: tuple[sa.Engine, int, int]) -> None:
    engine, first, _ = users
    sessie_id, token = logged_in(engine, first)
    age(engine, sessie_id, "laatst_gebruikt", minutes=29)
    assert sessions.check(engine, sessie_id=sessie_id).gebruiker_id == first
    age(engine, sessie_id, "aangemaakt", minutes=31)  # only the last use counts for idleness
    assert sessions.resume(engine, token=token) == (sessie_id, first)


def test_logout_ends_the_session_in_every_tab_and_its_cookie_with_it(
    users: tuple[sa.Engine, int, int],
) -> None:
    engine, first, _ = users
    sessie_id, token = logged_in(engine, first)
    other_login, other_token = logged_in(engine, first)  # another browser of the same user
    sessions.end(engine, sessie_id=sessie_id)
    assert sessions.check(engine, sessie_id=sessie_id).einde == Einde.UITGELOGD
    assert sessions.resume(engine, token=token) is None  # a replayed cookie after logout
    assert sessions.resume(engine, token=other_token) == (other_login, first)
    assert refusals(engine) == [
        ("eerste", "sessie geweigerd: sessie beëindigd (uitgelogd of wachtwoord gewijzigd)")
    ]
    assert_never_in_the_trail(engine, token)


def test_deactivation_ends_all_sessions_of_that_user_only(
    users: tuple[sa.Engine, int, int],
) -> None:
    engine, first, second = users
    a, a_token = logged_in(engine, first)
    b, _ = logged_in(engine, first)
    pending = sessions.start(engine, gebruiker_id=first)  # logged in, cookie not fetched yet
    c, c_token = logged_in(engine, second)
    set_active(engine, Scope.operator(), username="eerste", active=False)
    assert sessions.resume(engine, token=a_token) is None
    assert sessions.check(engine, sessie_id=b).gebruiker_id is None  # an open tab clicks
    assert refusals(engine) == [("eerste", "sessie geweigerd: account gedeactiveerd")] * 2
    assert sessions.redeem(engine, code=pending.code) is None
    assert sessions.resume(engine, token=c_token) == (c, second)
    # Reactivating the account does not bring its old sessions back.
    assert sessions.check(engine, sessie_id=a).einde == Einde.GEDEACTIVEERD
    set_active(engine, Scope.operator(), username="eerste", active=True)
    assert sessions.resume(engine, token=a_token) is None
    assert sessions.check(engine, sessie_id=a).einde == Einde.UITGELOGD


def _request(path: str, query: str = "") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "headers": [],
        }
    )


@pytest.fixture
def server_module(monkeypatch: pytest.MonkeyPatch):
    """dashboard.server with its engine pointed at the test's database."""
    from dashboard import server

    def use(engine: sa.Engine) -> object:
        monkeypatch.setattr(server, "_engine", lambda: engine)
        return server

    return use


def test_the_cookie_route_sets_an_httponly_cookie_only_for_a_valid_code(
    users: tuple[sa.Engine, int, int], server_module, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, first, _ = users
    server = server_module(engine)
    refused = server.issue_cookie(_request("/auth/sessie", "code=" + secrets.token_urlsafe(32)))
    assert refused.status_code == 200 and "set-cookie" not in refused.headers

    started = sessions.start(engine, gebruiker_id=first)
    answer = server.issue_cookie(_request("/auth/sessie", f"code={started.code}"))
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert answer.headers["cache-control"] == "no-store"
    token = cookie.split(";")[0].split("=", 1)[1]
    assert sessions.resume(engine, token=token) == (started.sessie_id, first)

    monkeypatch.setenv("SPIC_APP_URL", "https://spic.example.nl")
    started = sessions.start(engine, gebruiker_id=first)
    answer = server.issue_cookie(_request("/auth/sessie", f"code={started.code}"))
    assert "Secure" in answer.headers["set-cookie"]


def test_health_answers_200_with_the_snapshot_age_and_503_without_a_database(
    users: tuple[sa.Engine, int, int], server_module
) -> None:
    engine, _, _ = users
    answer = server_module(engine).health(_request("/healthz"))
    assert answer.status_code == 200
    body = json.loads(answer.body)
    assert body["database"] == "bereikbaar" and "snapshot_leeftijd_seconden" in body

    unreachable = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:9/nergens")
    answer = server_module(unreachable).health(_request("/healthz"))
    assert answer.status_code == 503
    assert json.loads(answer.body) == {"status": "fout", "database": "niet bereikbaar"}


def test_a_password_change_ends_every_session_of_that_user_only(
    users: tuple[sa.Engine, int, int],
) -> None:
    engine, first, second = users
    here, here_token = logged_in(engine, first)
    elsewhere, _ = logged_in(engine, first)
    other, other_token = logged_in(engine, second)
    change_own_password(
        engine, user_id=first, current="correct-paard-batterij", new="nieuw-en-lang-genoeg"
    )
    assert sessions.check(engine, sessie_id=here).einde == Einde.UITGELOGD
    assert sessions.check(engine, sessie_id=elsewhere).einde == Einde.UITGELOGD
    assert sessions.resume(engine, token=here_token) is None
    assert sessions.resume(engine, token=other_token) == (other, second)
    assert authenticate(engine, username="eerste", password="nieuw-en-lang-genoeg").id == first
    with pytest.raises(LoginError):
        authenticate(engine, username="eerste", password="correct-paard-batterij")

    # The beheerder's reset does the same, and says who did it.
    again, _ = logged_in(engine, first)
    reset_password(engine, Scope.operator(), username="eerste", new="door-de-beheerder-1")
    assert sessions.check(engine, sessie_id=again).einde == Einde.UITGELOGD
    with engine.connect() as conn:
        trail = conn.execute(
            sa.text(
                "SELECT gebruikersnaam, onderwerp FROM auditregel "
                "WHERE actie = 'wachtwoord_gewijzigd' ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in trail] == [
        ("eerste", "eerste (eigen)"),
        ("opdrachtregel", "eerste"),
    ]
    for secret in ("nieuw-en-lang-genoeg", "door-de-beheerder-1"):
        assert_never_in_the_trail(engine, secret)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("fout-wachtwoord-123", "nieuw-en-lang-genoeg", "huidige wachtwoord klopt niet"),
        ("correct-paard-batterij", "kort", "minstens 12 tekens"),
        ("correct-paard-batterij", "correct-paard-batterij", "gelijk aan het huidige"),
        ("correct-paard-batterij", "nul\x00teken-erin", "NUL-teken"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    users: tuple[sa.Engine, int, int], current: str, new: str, message: str
) -> None:
    engine, first, _ = users
    sessie_id, _ = logged_in(engine, first)
    with pytest.raises(UserAdminError, match=message):
        change_own_password(engine, user_id=first, current=current, new=new)
    assert sessions.check(engine, sessie_id=sessie_id).gebruiker_id == first
    assert authenticate(engine, username="eerste", password="correct-paard-batterij").id == first
    with engine.connect() as conn:
        changes = conn.execute(
            sa.text("SELECT COUNT(*) FROM auditregel WHERE actie = 'wachtwoord_gewijzigd'")
        ).scalar_one()
    assert changes == 0


def test_guessing_the_current_password_locks_the_account_like_a_login(
    users: tuple[sa.Engine, int, int],
) -> None:
    engine, first, _ = users
    for _ in range(5):  # SPIC_MAX_FAILED_LOGINS
        with pytest.raises(UserAdminError):
            change_own_password(engine, user_id=first, current="raden-raden-1", new="x" * 12)
    with pytest.raises(LoginError):
        authenticate(engine, username="eerste", password="correct-paard-batterij")
    with pytest.raises(UserAdminError, match="klopt niet"):  # the right one is refused too now
        change_own_password(
            engine, user_id=first, current="correct-paard-batterij", new="nieuw-en-lang-genoeg"
        )
