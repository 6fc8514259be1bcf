"""E-mail through an outbox: written with the change that causes it, sent afterwards.

A change to a report and the mail about it are one transaction (`queue` writes a row of
`Uitgaandemail` on the change's session), so a refused change sends nothing and a mail server
that is down blocks no change and loses no mail. `send_due` sends what is waiting: it first
claims rows with one compare-and-set UPDATE (a lease in `geclaimd_tot`), so two senders — the
command line and the app's background thread, or two app processes — never send a row twice;
a failure sets the row back with a growing pause, a permanent refusal (an address the server
does not accept) gives up at once, and after `SPIC_MAIL_MAX_ATTEMPTS` every row gives up.

Delivery is at least once: a crash between the server's "250 OK" and the UPDATE that records
it would send that one mail again, with the same Message-ID, which mail clients fold into one.

Mails carry the reference, the title, the new status and a link, never the texts of the
history (an internal comment cannot leak, a public one is read after logging in).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data_access.db import session_scope
from data_access.models import Gebruiker, Uitgaandemail, utcnow
from data_access.settings import Settings, get_settings

log = logging.getLogger(__name__)

OUTBOX = Uitgaandemail.__table__  # type: ignore[attr-defined]
LEASE = dt.timedelta(minutes=5)  # a sender that died frees its rows after this
FIRST_PAUSE = dt.timedelta(minutes=1)
LONGEST_PAUSE = dt.timedelta(hours=6)
KEEP_SENT = dt.timedelta(days=30)  # sent mails are removed after this (they hold titles)
BATCH = 200
_COLUMNS = [
    "aangemaakt",
    "ontvanger",
    "onderwerp",
    "tekst",
    "sleutel",
    "pogingen",
    "volgende_poging",
]
LINK_PARAMETER = "melding"  # …/meldingen?melding=KNP-2026-0001
FOOTER = (
    "U krijgt deze e-mail van SPIC-monitor. E-mail over meldingen zet u uit in SPIC-monitor "
    "onder Mijn account."
)


def report_url(page: str, referentie: str) -> str:
    """A report's own address on a page; absolute when SPIC_APP_URL is set."""
    return f"{get_settings().app_url or ''}/{page}?{LINK_PARAMETER}={referentie}"


def where_to_look(page: str, referentie: str, what: str) -> str:
    if get_settings().app_url:
        return f"{what} (na inloggen):\n{report_url(page, referentie)}"
    menu = "Mijn meldingen" if page == "meldingen" else "Kerngroep"
    return f"{what}: open SPIC-monitor, kies {menu} en melding {referentie}."


@dataclass(frozen=True)
class Bericht:
    onderwerp: str
    tekst: str


def message(onderwerp: str, *paragraphs: str) -> Bericht:
    return Bericht(onderwerp[:200], "Goedendag,\n\n" + "\n\n".join((*paragraphs, FOOTER)) + "\n")


# --- writing to the outbox ----------------------------------------------------------------------


def queue(
    session: Session,
    *,
    ontvanger_id: int | None,
    bericht: Bericht,
    sleutel: str | None = None,
    behalve_id: int | None = None,
) -> None:
    """Put a mail for an account in the outbox, in the caller's transaction.

    Nothing happens without a mail server (SPIC_SMTP_HOST), for an account without an address,
    for one that turned notifications off or is inactive, or when the account is `behalve_id`
    (nobody is told about what they did themselves). A mail with a `sleutel` already in the
    outbox is not written again."""
    if not get_settings().mail_enabled or ontvanger_id is None or ontvanger_id == behalve_id:
        return
    now = utcnow()
    select = sa.select(
        sa.literal(now, sa.DateTime(timezone=True)),
        Gebruiker.email,
        sa.literal(bericht.onderwerp),
        sa.literal(bericht.tekst, sa.Text),
        sa.literal(sleutel, sa.String),
        sa.literal(0),
        sa.literal(now, sa.DateTime(timezone=True)),
    ).where(
        Gebruiker.id == ontvanger_id,
        Gebruiker.email.is_not(None),
        Gebruiker.actief.is_(True),
        Gebruiker.meldingen_per_mail.is_(True),
    )
    if sleutel is not None:
        select = select.where(~sa.exists().where(OUTBOX.c.sleutel == sleutel))
    session.connection().execute(
        OUTBOX.insert().from_select(
            _COLUMNS,
            select,
        )
    )
    session.info["mail_queued"] = True


def notify(
    session: Session,
    *,
    over: tuple[object, ...],
    ontvanger_id: int | None,
    bericht: Bericht,
    behalve_id: int | None = None,
) -> None:
    """Queue a mail when the transaction commits. A later notice `over` the same thing to the
    same account in one transaction replaces the earlier one: a report put on the agenda takes
    two steps at once, and its reporter gets one mail with where it ended."""
    if not get_settings().mail_enabled or ontvanger_id is None or ontvanger_id == behalve_id:
        return
    session.info.setdefault("mail_pending", {})[(over, ontvanger_id)] = bericht


@sa.event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    for (_, ontvanger_id), bericht in session.info.pop("mail_pending", {}).items():
        queue(session, ontvanger_id=ontvanger_id, bericht=bericht)


# --- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verzending:
    verzonden: int = 0
    uitgesteld: int = 0  # tried, will be tried again later
    opgegeven: int = 0  # refused for good, or out of attempts


def pause(pogingen: int) -> dt.timedelta:
    """The wait before attempt `pogingen + 1`: 1, 2, 4 … minutes, at most six hours."""
    return min(FIRST_PAUSE * 2 ** max(pogingen - 1, 0), LONGEST_PAUSE)


def connect(settings: Settings) -> smtplib.SMTP:
    """A logged-in connection to the configured mail server."""
    assert settings.smtp_host is not None
    server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20)
    try:
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        server.close()
        raise
    return server


def _claim(engine: Engine, now: dt.datetime, limit: int) -> list[sa.Row]:
    free = sa.and_(
        OUTBOX.c.verzonden.is_(None),
        OUTBOX.c.opgegeven.is_(None),
        sa.or_(OUTBOX.c.geclaimd_tot.is_(None), OUTBOX.c.geclaimd_tot < now),
    )
    due = sa.select(OUTBOX.c.id).where(free, OUTBOX.c.volgende_poging <= now)
    # The conditions again on the UPDATE itself: on PostgreSQL a second sender that waited for
    # the row lock re-checks them against the claimed row and skips it.
    with session_scope(engine) as session:
        return list(
            session.connection()
            .execute(
                OUTBOX.update()
                .where(OUTBOX.c.id.in_(due.order_by(OUTBOX.c.id).limit(limit).scalar_subquery()))
                .where(free)
                .values(geclaimd_tot=now + LEASE)
                .returning(
                    OUTBOX.c.id,
                    OUTBOX.c.aangemaakt,
                    OUTBOX.c.ontvanger,
                    OUTBOX.c.onderwerp,
                    OUTBOX.c.tekst,
                    OUTBOX.c.pogingen,
                )
            )
            .all()
        )


def _record(engine: Engine, mail_id: int, **values: object) -> None:
    with session_scope(engine) as session:
        session.connection().execute(
            OUTBOX.update().where(OUTBOX.c.id == mail_id).values(geclaimd_tot=None, **values)
        )


def _retry(engine: Engine, row: sa.Row, error: str, settings: Settings) -> bool:
    """Set a row back for a later attempt; False when it has had its last one."""
    attempts = row.pogingen + 1
    now = utcnow()
    if attempts >= settings.mail_max_attempts:
        _record(engine, row.id, pogingen=attempts, opgegeven=now, laatste_fout=error[:500])
        return False
    _record(
        engine,
        row.id,
        pogingen=attempts,
        volgende_poging=now + pause(attempts),
        laatste_fout=error[:500],
    )
    return True


def _email(row: sa.Row, settings: Settings) -> EmailMessage:
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
    created = row.aangemaakt if row.aangemaakt.tzinfo else row.aangemaakt.replace(tzinfo=dt.UTC)
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = row.ontvanger
    mail["Subject"] = row.onderwerp
    mail["Date"] = format_datetime(created)
    # Stable per outbox row: a mail sent again after a crash is recognisably the same one.
    mail["Message-ID"] = f"<spic-{row.id}-{int(created.timestamp())}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(row.tekst)
    return mail


def _deliverable(address: str) -> bool:
    return bool(re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address or ""))


def send_due(
    engine: Engine,
    *,
    limit: int = BATCH,
    connector: Callable[[Settings], smtplib.SMTP] = connect,
) -> Verzending:
    """Send the mails that are due, once each; returns what happened to them."""
    settings = get_settings()
    if not settings.mail_enabled:
        return Verzending()
    rows = _claim(engine, utcnow(), limit)
    if not rows:
        return Verzending()
    sent = later = given_up = 0
    server: smtplib.SMTP | None = None
    try:
        try:
            server = connector(settings)
        except (OSError, smtplib.SMTPException) as exc:
            error = f"Mailserver niet bereikbaar: {type(exc).__name__}: {exc}"
            for row in rows:
                if _retry(engine, row, error, settings):
                    later += 1
                else:
                    given_up += 1
            return Verzending(0, later, given_up)
        for n, row in enumerate(rows):
            if not _deliverable(row.ontvanger):
                _record(engine, row.id, opgegeven=utcnow(), laatste_fout="Ongeldig e-mailadres")
                given_up += 1
                continue
            try:
                server.send_message(_email(row, settings))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                _record(engine, row.id, opgegeven=utcnow(), laatste_fout=str(exc)[:500])
                given_up += 1
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500:  # permanent: the server will not take this mail
                    _record(engine, row.id, opgegeven=utcnow(), laatste_fout=str(exc)[:500])
                    given_up += 1
                elif _retry(engine, row, str(exc), settings):
                    later += 1
                else:
                    given_up += 1
            except (OSError, smtplib.SMTPException) as exc:
                # The connection is gone: this row and the rest wait for the next round.
                for rest in rows[n:]:
                    if _retry(engine, rest, f"{type(exc).__name__}: {exc}", settings):
                        later += 1
                    else:
                        given_up += 1
                break
            else:
                _record(engine, row.id, verzonden=utcnow(), laatste_fout=None)
                sent += 1
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
    return Verzending(sent, later, given_up)


def send_all(engine: Engine, **kwargs: object) -> Verzending:
    """Send in batches until nothing due is left (the command line)."""
    total = Verzending()
    while True:
        done = send_due(engine, **kwargs)  # type: ignore[arg-type]
        total = Verzending(
            total.verzonden + done.verzonden,
            total.uitgesteld + done.uitgesteld,
            total.opgegeven + done.opgegeven,
        )
        if done.verzonden + done.uitgesteld + done.opgegeven < BATCH or done.verzonden == 0:
            return total


@dataclass(frozen=True)
class Wachtrij:
    wachtend: int
    verzonden: int
    opgegeven: int
    oudste_wachtend: dt.datetime | None


def outbox_state(engine: Engine) -> Wachtrij:
    waiting = sa.and_(OUTBOX.c.verzonden.is_(None), OUTBOX.c.opgegeven.is_(None))
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sa.func.count().filter(waiting),
                sa.func.count().filter(OUTBOX.c.verzonden.is_not(None)),
                sa.func.count().filter(OUTBOX.c.opgegeven.is_not(None)),
                sa.func.min(OUTBOX.c.aangemaakt).filter(waiting),
            )
        ).one()
    return Wachtrij(int(row[0]), int(row[1]), int(row[2]), row[3])


def purge_sent(engine: Engine) -> int:
    """Remove mails sent more than KEEP_SENT ago: the outbox is not an archive of titles."""
    with session_scope(engine) as session:
        return int(
            session.connection()
            .execute(
                OUTBOX.delete().where(
                    OUTBOX.c.verzonden.is_not(None), OUTBOX.c.verzonden < utcnow() - KEEP_SENT
                )
            )
            .rowcount
        )


# --- in the background of the app ----------------------------------------------------------------

_wake = threading.Event()
_senders: dict[str, tuple[threading.Thread, threading.Event]] = {}
_senders_lock = threading.Lock()


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # A committed change queued mail: the background sender need not wait its interval.
    if session.info.pop("mail_queued", False):
        _wake.set()


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("mail_queued", None)
    session.info.pop("mail_pending", None)


def _loop(engine: Engine, interval: int, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            send_due(engine)
        except Exception:  # a broken round must not end the thread; the next one tries again
            log.exception("Versturen van e-mail mislukt; volgende poging over %s s", interval)
        _wake.wait(interval)
        _wake.clear()


def start_background_sender(engine: Engine) -> threading.Thread | None:
    """One sending thread per process and database, when a mail server and an interval are
    configured; the command line `mail send` does the same work for a setup without it."""
    settings = get_settings()
    if not settings.mail_enabled or settings.mail_interval_seconds == 0:
        return None
    key = str(engine.url)
    with _senders_lock:
        running = _senders.get(key)
        if running and running[0].is_alive():
            return running[0]
        stop = threading.Event()
        thread = threading.Thread(
            target=_loop,
            args=(engine, settings.mail_interval_seconds, stop),
            name="spic-mail",
            daemon=True,
        )
        _senders[key] = (thread, stop)
        thread.start()
        return thread


def stop_background_sender(engine: Engine) -> None:
    with _senders_lock:
        running = _senders.pop(str(engine.url), None)
    if running:
        running[1].set()
        _wake.set()
        running[0].join(timeout=5)
