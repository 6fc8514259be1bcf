"""Privacy screening of free text (DESIGN.md §6), before anything is stored.

A register of bottlenecks has no need for personal data, and a provider typing in a hurry
may paste a client's BSN, an e-mail address or a phone number. Such text is refused with a
message that says what to remove; nothing is stored until it is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

# Nine digits, optionally grouped as 123.456.789 / 123 456 789 / 123-456-789.
_NINE_DIGITS = re.compile(r"(?<![\d])(\d{3}[ .-]?\d{3}[ .-]?\d{3})(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# Dutch numbers: 06-12345678, 020 123 4567, +31 6 1234 5678, 0031201234567.
_PHONE = re.compile(r"(?<![\d+])(?:\+31|0031|0)[ -]?(?:\(0\)[ -]?)?[1-9](?:[ -]?\d){8}(?![\d])")
# Control characters other than tab and newlines have no place in a report (and NUL breaks
# PostgreSQL text columns).
_ALLOWED_CONTROL = {"\t", "\n", "\r"}


def elfproef(digits: str) -> bool:
    """The BSN eleven-test: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is divisible by 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(w * int(d) for w, d in zip(weights, digits, strict=True))
    return total % 11 == 0 and total != 0


def _has_bsn(text: str) -> bool:
    return any(elfproef(re.sub(r"\D", "", m.group(1))) for m in _NINE_DIGITS.finditer(text))


def screen(text: str, field: str) -> list[str]:
    """Dutch messages for everything in `text` that must go before it can be stored."""
    problems: list[str] = []
    if any(unicodedata.category(c) == "Cs" for c in text):
        # Half a character pair (from a broken copy): no database can store it.
        problems.append(f"{field} bevat ongeldige tekens. Typ de tekst opnieuw.")
    if any(unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROL for c in text):
        problems.append(
            f"{field} bevat onzichtbare stuurtekens (bijvoorbeeld uit een gekopieerd document). "
            "Typ de tekst opnieuw of plak hem als platte tekst."
        )
    if _has_bsn(text):
        problems.append(
            f"{field} bevat een nummer dat een burgerservicenummer (BSN) kan zijn. Verwijder het: "
            "gegevens die naar een cliënt te herleiden zijn, horen niet in het register."
        )
    if _EMAIL.search(text):
        problems.append(
            f"{field} bevat een e-mailadres. Verwijder het; contactgegevens staan al bij uw "
            "account."
        )
    if _PHONE.search(text):
        problems.append(
            f"{field} bevat een telefoonnummer. Verwijder het; contactgegevens staan al bij uw "
            "account."
        )
    return problems


MIN_SECRET_LENGTH = 16


def pseudonym(bsn: str, secret: str) -> str:
    """A keyed pseudonym (HMAC-SHA256) for a client: stable for one secret, not reversible.

    Without the secret nobody can recompute it from a BSN, not even by trying all BSNs.
    """
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError("pseudonym secret too short")
    return hmac.new(secret.encode("utf-8"), bsn.encode("ascii"), hashlib.sha256).hexdigest()
