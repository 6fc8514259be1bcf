"""Free text as users type it: required, within its length, and screened for personal data.

Shared by the register, saved scenarios and meetings. Every failure is a `ValidationFailed`
with Dutch messages per form field; nothing is stored when one is raised.
"""

from __future__ import annotations

from data_access.privacy import screen

TEKST_LENGTE = (2, 5_000)  # comments, additions, reasons, decisions


class ValidationFailed(ValueError):
    """Field -> Dutch messages; nothing was stored."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def text_errors(value: str, field: str, limits: tuple[int, int]) -> list[str]:
    """Dutch messages for a required free-text value; empty when it may be stored."""
    text = value.strip()
    if not text:
        return [f"{field} is verplicht."]
    if len(text) < limits[0]:
        return [f"{field} is te kort: gebruik minstens {limits[0]} tekens."]
    if len(value) > limits[1]:
        return [f"{field} is te lang: maximaal {limits[1]} tekens (nu {len(value)})."]
    return screen(value, field)


def check_text(value: str | None, field: str, limits: tuple[int, int] = TEKST_LENGTE) -> str:
    """A free-text value as it will be stored, or ValidationFailed for that field."""
    errors = text_errors(value or "", field, limits)
    if errors:
        raise ValidationFailed({field.lower(): errors})
    return (value or "").strip()


def check_optional_text(value: str | None, field: str, longest: int) -> str | None:
    """An optional short text (an action holder, a list of actions): screened when given."""
    text = (value or "").strip() or None
    if text is None:
        return None
    if len(text) > longest:
        raise ValidationFailed({field.lower(): [f"{field}: maximaal {longest} tekens."]})
    problems = screen(text, field)
    if problems:
        raise ValidationFailed({field.lower(): problems})
    return text
