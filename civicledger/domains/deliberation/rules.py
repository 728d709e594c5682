"""Input rules of deliberation that are its own: enum values, small numbers, dates and the bounds of lists.
Texts are cleaned by `core/text.py`, as in every program."""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from typing import TypeVar

from civicledger.domains.deliberation.errors import DeliberationValueInvalidError

E = TypeVar("E", bound=Enum)

MAX_PARTICIPANTS = 200
MAX_POSITIONS = 500
MAX_TASKS = 20
MAX_OUTCOME_COUNT = 10_000
HORIZON = timedelta(days=366)  # a meeting or a task's due date is within a year of today


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    value = str(raw).strip()
    try:
        # ASCII before upper-casing: `str.upper` turns some other letters into ASCII ones (`ſ` → `S`).
        return enum(value.upper() if value.isascii() else value)
    except ValueError:
        raise DeliberationValueInvalidError(field, "unknown value", value=value[:40],
                                            allowed=[e.value for e in enum]) from None


def within(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DeliberationValueInvalidError(field, f"must be a whole number from {low} to {high}",
                                            value=str(value)[:20])
    return value


def near(day: object, today: date, field: str, *, not_before_today: bool = False) -> date:
    if not isinstance(day, date):
        raise DeliberationValueInvalidError(field, "must be a date")
    earliest = today if not_before_today else today - HORIZON
    if not earliest <= day <= today + HORIZON:
        raise DeliberationValueInvalidError(field, f"must be from {earliest} to {today + HORIZON}", value=str(day))
    return day
