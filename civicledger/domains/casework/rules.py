"""Input rules of casework commands that are casework's own: enum values, dates and small numbers, and the
length of what a social worker writes. Texts are cleaned by `core/text.py`, as in every program."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TypeVar

from civicledger.core import text
from civicledger.domains.casework.errors import CaseworkValueInvalidError

E = TypeVar("E", bound=Enum)

NOTE_MAX = 2 * text.FREE_TEXT_MAX  # what was said and done in a session
GOAL_MAX = text.SHORT_TEXT_MAX  # one goal's words
MAX_GOALS = 10
MAX_SESSION_MINUTES = 8 * 60


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    value = str(raw).strip()
    try:
        # ASCII before upper-casing: `str.upper` turns some other letters into ASCII ones (`ſ` → `S`).
        return enum(value.upper() if value.isascii() else value)
    except ValueError:
        raise CaseworkValueInvalidError(field, "unknown value", value=value[:40],
                                        allowed=[e.value for e in enum]) from None


def not_after(day: date, today: date, field: str) -> date:
    if day > today:
        raise CaseworkValueInvalidError(field, "is recorded after it happened, not before", value=str(day))
    return day


def within(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CaseworkValueInvalidError(field, f"must be a whole number from {low} to {high}", value=str(value)[:20])
    return value
