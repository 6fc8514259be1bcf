"""E-mail through the outbox, against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from benchmarks.servers import free_port
from data_access import mail
from data_access.__main__ import main as cli
from data_access.db import migrate
from data_access.loader import load_tables
from data_access.models import KnelpuntCategorie, KnelpuntSoort, KnelpuntStatus, Urgentie
from data_access.register import actions, digest, reports
from data_access.register.actions import NieuweActie
from data_access.register.reports import Melding
from data_access.users import set_notifications
from tests.conftest import BACKENDS, fresh_database
from tests.helpers import sql_frame, sql_scalar, user_scope

S = KnelpuntStatus
APP = "https://spic.example.nl"
ADDRESSES = {
    "demo.aanbieder": "melder@aanbieder.example.nl",
    "demo.contractmanager": "cm@gemeente.example.nl",
    "demo.kerngroep": "kerngroep@gemeente.example.nl",
}
MELDING = Melding(
    soort=KnelpuntSoort.KNELPUNT,
    titel="Geen plek in de crisisopvang",
    omschrijving="Jongeren wachten weken op een crisisplek; de aanbieders hebben geen ruimte.",
    categorie=KnelpuntCategorie.CRISISCAPACITEIT,
    urgentie=Urgentie.HOOG,
    gemeenten=("GM0363",),
)


@dataclass
class Postbus:
    """What the SMTP server received; addresses in `weigeren` are refused with a 550."""

    ontvangen: list[EmailMessage] = field(default_factory=list)
    weigeren: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.weigeren:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.ontvangen.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
        return "250 Message accepted for delivery"

    def aan(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.ontvangen if m["To"] == address]


@dataclass
class Mailserver:
    port: int
    postbus: Postbus
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.postbus, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailserver]:
    server = Mailserver(free_port(), Postbus())
    monkeypatch.setenv("SPIC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SPIC_SMTP_PORT", str(server.port))
    monkeypatch.setenv("SPIC_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SPIC_MAIL_FROM", "SPIC-monitor <spic@regio.example.nl>")
    monkeypatch.setenv("SPIC_APP_URL", APP)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _addresses(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for name, address in ADDRESSES.items():
            conn.execute(
                sa.text("UPDATE gebruiker SET email = :e WHERE gebruikersnaam = :n"),
                {"e": address, "n": name},
            )


def _outbox(engine: sa.Engine) -> int:
    return int(sql_scalar(engine, "SELECT COUNT(*) FROM uitgaandemail"))


def _version(engine: sa.Engine, knelpunt_id: int) -> int:
    return int(sql_scalar(engine, "SELECT versie FROM knelpunt WHERE id = :i", i=knelpunt_id))


def test_the_reporter_gets_one_mail_per_public_change_and_none_for_internal_ones(
    demo_engine_rw: sa.Engine, smtp: Mailserver
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    provider = user_scope(engine, "demo.aanbieder")
    kerngroep = user_scope(engine, "demo.kerngroep")
    done = reports.submit(engine, provider, melding=MELDING)
    reports.change_status(engine, kerngroep, knelpunt_id=done.id, versie=1, naar=S.IN_BEHANDELING)
    reports.comment(
        engine, kerngroep, knelpunt_id=done.id, tekst="Intern: bellen met Zaanstad", intern=True
    )
    reports.comment(
        engine, kerngroep, knelpunt_id=done.id, tekst="We bespreken dit in januari", intern=False
    )
    reports.change_status(
        engine,
        kerngroep,
        knelpunt_id=done.id,
        versie=_version(engine, done.id),
        naar=S.REACTIE_GEVRAAGD,
        reden="Om hoeveel jongeren gaat het per maand?",
    )
    # The reporter's own answer is not mailed back to the reporter.
    reports.answer(
        engine,
        provider,
        knelpunt_id=done.id,
        versie=_version(engine, done.id),
        tekst="Ongeveer vijf per maand.",
    )
    assert mail.send_due(engine) == mail.Verzending(verzonden=4)

    received = smtp.postbus.aan(ADDRESSES["demo.aanbieder"])
    assert [m["Subject"] for m in received] == [
        f"Melding {done.referentie} is ontvangen",
        f"Melding {done.referentie}: In behandeling",
        f"Melding {done.referentie}: nieuwe opmerking",
        f"Vraag over uw melding {done.referentie}",
    ]
    link = f"{APP}/meldingen?melding={done.referentie}"
    for message in received:
        text = message.get_content()
        assert link in text
        assert MELDING.titel in text
        assert "bellen met Zaanstad" not in text  # never an internal remark
        assert "januari" not in text and "per maand" not in text  # texts are read after login
    assert smtp.postbus.aan(ADDRESSES["demo.kerngroep"]) == []
    assert len({m["Message-ID"] for m in received}) == 4
    assert mail.send_due(engine) == mail.Verzending()  # nothing is sent twice


def test_the_assignee_hears_of_an_assignment(demo_engine_rw: sa.Engine, smtp: Mailserver) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    kerngroep = user_scope(engine, "demo.kerngroep")
    cm = user_scope(engine, "demo.contractmanager")
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    reports.assign(engine, kerngroep, knelpunt_id=done.id, versie=1, gebruiker_id=cm.gebruiker_id)
    mail.send_due(engine)
    [message] = smtp.postbus.aan(ADDRESSES["demo.contractmanager"])
    assert message["Subject"] == f"Melding {done.referentie} is aan u toegewezen"
    assert f"{APP}/kerngroep?melding={done.referentie}" in message.get_content()


def test_a_refused_change_writes_no_mail(demo_engine_rw: sa.Engine, smtp: Mailserver) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    kerngroep = user_scope(engine, "demo.kerngroep")
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    before = _outbox(engine)
    with pytest.raises(reports.Conflict):  # a stale page
        reports.change_status(
            engine, kerngroep, knelpunt_id=done.id, versie=7, naar=S.IN_BEHANDELING
        )
    with pytest.raises(reports.ValidationFailed):  # a question needs its text
        reports.change_status(
            engine, kerngroep, knelpunt_id=done.id, versie=1, naar=S.REACTIE_GEVRAAGD, reden=""
        )
    assert _outbox(engine) == before


def test_without_a_mail_server_nothing_is_queued(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    reports.change_status(
        engine,
        user_scope(engine, "demo.kerngroep"),
        knelpunt_id=done.id,
        versie=1,
        naar=S.IN_BEHANDELING,
    )
    assert _outbox(engine) == 0
    assert cli(["mail", "send"]) == 1  # says that no mail server is configured


def test_notifications_can_be_turned_off(demo_engine_rw: sa.Engine, smtp: Mailserver) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    provider = user_scope(engine, "demo.aanbieder")
    set_notifications(engine, user_id=provider.gebruiker_id, aan=False)
    done = reports.submit(engine, provider, melding=MELDING)
    reports.change_status(
        engine,
        user_scope(engine, "demo.kerngroep"),
        knelpunt_id=done.id,
        versie=1,
        naar=S.IN_BEHANDELING,
    )
    assert _outbox(engine) == 0


def test_an_outage_loses_no_mail_and_a_later_round_sends_it_once(
    demo_engine_rw: sa.Engine, smtp: Mailserver
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    smtp.stop()
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    reports.change_status(
        engine,
        user_scope(engine, "demo.kerngroep"),
        knelpunt_id=done.id,
        versie=1,
        naar=S.IN_BEHANDELING,
    )
    assert mail.send_due(engine) == mail.Verzending(uitgesteld=2)
    waiting = sql_frame(engine, "SELECT pogingen, verzonden, laatste_fout FROM uitgaandemail")
    assert waiting["pogingen"].tolist() == [1, 1]
    assert waiting["verzonden"].isna().all()
    assert waiting["laatste_fout"].str.contains("Mailserver niet bereikbaar").all()
    assert mail.send_due(engine) == mail.Verzending()  # not due yet: the back-off holds
    smtp.start()
    with engine.begin() as conn:  # the pause has passed
        conn.execute(mail.OUTBOX.update().values(volgende_poging=dt.datetime.now(dt.UTC)))
    assert mail.send_due(engine) == mail.Verzending(verzonden=2)
    assert mail.send_due(engine) == mail.Verzending()
    assert len(smtp.postbus.aan(ADDRESSES["demo.aanbieder"])) == 2


def test_the_back_off_grows_and_gives_up_after_the_last_attempt(
    demo_engine_rw: sa.Engine, smtp: Mailserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [mail.pause(n) for n in (1, 2, 3)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
    ]
    assert mail.pause(30) == dt.timedelta(hours=6)
    engine = demo_engine_rw
    _addresses(engine)
    monkeypatch.setenv("SPIC_MAIL_MAX_ATTEMPTS", "2")
    smtp.stop()
    reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    assert mail.send_due(engine) == mail.Verzending(uitgesteld=1)
    with engine.begin() as conn:
        conn.execute(mail.OUTBOX.update().values(volgende_poging=dt.datetime.now(dt.UTC)))
    assert mail.send_due(engine) == mail.Verzending(opgegeven=1)
    assert mail.outbox_state(engine).opgegeven == 1


def test_an_invalid_or_refused_address_blocks_nothing(
    demo_engine_rw: sa.Engine, smtp: Mailserver
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE gebruiker SET email = 'geen adres' WHERE gebruikersnaam = :n"),
            {"n": "demo.aanbieder2"},
        )
    smtp.postbus.weigeren.add(ADDRESSES["demo.aanbieder"])
    kerngroep = user_scope(engine, "demo.kerngroep")
    first = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    second = reports.submit(engine, user_scope(engine, "demo.aanbieder2"), melding=MELDING)
    for report in (first, second):
        reports.change_status(
            engine, kerngroep, knelpunt_id=report.id, versie=1, naar=S.IN_BEHANDELING
        )
    statuses = sql_frame(
        engine, "SELECT status FROM knelpunt WHERE id IN (:a, :b)", a=first.id, b=second.id
    )
    assert set(statuses["status"]) == {"in_behandeling"}
    assert mail.send_due(engine) == mail.Verzending(opgegeven=4)  # at once, no retries
    assert smtp.postbus.ontvangen == []


def test_fifty_parallel_status_changes_give_fifty_mails_and_no_duplicates(
    demo_engine_rw: sa.Engine, smtp: Mailserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    provider = user_scope(engine, "demo.aanbieder")
    kerngroep = user_scope(engine, "demo.kerngroep")
    monkeypatch.delenv("SPIC_SMTP_HOST")  # the reports are there before mail is switched on
    submitted = [reports.submit(engine, provider, melding=MELDING) for _ in range(50)]
    monkeypatch.setenv("SPIC_SMTP_HOST", "127.0.0.1")
    assert _outbox(engine) == 0

    def change(report: reports.Ingediend) -> None:
        reports.change_status(
            engine, kerngroep, knelpunt_id=report.id, versie=1, naar=S.IN_BEHANDELING
        )

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(change, submitted))
    assert _outbox(engine) == 50
    # Three senders at once (the command line and two app processes) share the work.
    with ThreadPoolExecutor(max_workers=3) as pool:
        rounds = list(pool.map(lambda _: mail.send_due(engine, limit=20), range(6)))
    assert sum(r.verzonden for r in rounds) == 50
    received = smtp.postbus.aan(ADDRESSES["demo.aanbieder"])
    assert len(received) == 50
    assert len({m["Message-ID"] for m in received}) == 50
    subjects = sorted(m["Subject"] for m in received)
    assert subjects == sorted(f"Melding {r.referentie}: In behandeling" for r in submitted)
    assert mail.outbox_state(engine).wachtend == 0


def test_the_app_sends_in_the_background_soon_after_a_change(
    demo_engine_rw: sa.Engine, smtp: Mailserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    monkeypatch.setenv("SPIC_MAIL_INTERVAL_SECONDS", "3600")  # so only the wake-up can send
    thread = mail.start_background_sender(engine)
    assert thread is not None
    try:
        time.sleep(0.5)  # its first round finds nothing
        done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
        deadline = time.monotonic() + 10
        while not smtp.postbus.aan(ADDRESSES["demo.aanbieder"]) and time.monotonic() < deadline:
            time.sleep(0.1)
        [message] = smtp.postbus.aan(ADDRESSES["demo.aanbieder"])
        assert done.referentie in message["Subject"]
    finally:
        mail.stop_background_sender(engine)
    assert not thread.is_alive()


def test_the_weekly_digest_goes_once_per_member_and_week(
    demo_engine_rw: sa.Engine, smtp: Mailserver, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = demo_engine_rw
    _addresses(engine)
    kerngroep = user_scope(engine, "demo.kerngroep")
    demo_actions_due = digest.weekly_digest(engine, vandaag=dt.date.today()).acties
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=MELDING)
    actions.add_action(
        engine,
        kerngroep,
        knelpunt_id=done.id,
        actie=NieuweActie("Plekken tellen bij de aanbieders", "Contractmanager", dt.date.today()),
    )
    overzicht = digest.weekly_digest(engine, vandaag=dt.date.today())
    assert overzicht.nieuw == 1
    assert overzicht.acties == demo_actions_due + 1
    assert overzicht.te_laat >= 1  # the demo's reports from 2018 are long past their norm
    text = overzicht.bericht.tekst
    assert f"{done.referentie} – {MELDING.titel} (Nieuw) {APP}/kerngroep?melding=" in text
    assert "Plekken tellen bij de aanbieders — Contractmanager" in text
    assert digest.queue_digest(engine, overzicht=overzicht) == 1  # demo.kerngroep is the one member
    assert digest.queue_digest(engine, overzicht=overzicht) == 0  # cron ran twice: still one
    mail.send_due(engine)
    [message] = smtp.postbus.aan(ADDRESSES["demo.kerngroep"])
    assert message["Subject"].startswith("SPIC-monitor: weekoverzicht knelpunten week")


@pytest.fixture(params=BACKENDS)
def demo_rw_url(
    request: pytest.FixtureRequest, tmp_path: Path, demo_tables: dict
) -> Iterator[tuple[sa.Engine, str]]:
    """The demo dataset in a database of its own, with the URL the command line opens."""
    with fresh_database(request.param, tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        yield engine, url


def test_the_digest_command_previews_and_sends(
    demo_rw_url: tuple[sa.Engine, str],
    smtp: Mailserver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine, url = demo_rw_url
    _addresses(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli(["digest", "--dry-run", "--datum", "2026-12-07"]) == 0
    out = capsys.readouterr()
    assert "Onderwerp: SPIC-monitor: weekoverzicht knelpunten week 50" in out.out
    assert "Proefdraai" in out.err
    assert _outbox(engine) == 0
    assert cli(["digest", "--send", "--datum", "2026-12-07"]) == 0
    assert "1 nieuw in de wachtrij; verzonden 1" in capsys.readouterr().out
    assert cli(["digest", "--send", "--datum", "2026-12-08"]) == 0  # same week
    assert "0 nieuw in de wachtrij; verzonden 0" in capsys.readouterr().out
    assert len(smtp.postbus.aan(ADDRESSES["demo.kerngroep"])) == 1
    assert cli(["mail", "status"]) == 0
    assert "Wachtend: 0. Verzonden: 1. Opgegeven: 0." in capsys.readouterr().out
