"""Input rules of casework commands: texts, enum values, dates and small numbers."""

from __future__ import annotations

import unicodedata
from datetime import date
from enum import Enum
from typing import TypeVar

from civicledger.domains.casework.errors import CaseworkValueInvalidError

E = TypeVar("E", bound=Enum)

NOTE_MAX = 4000  # what was said and done in a session
TEXT_MAX = 2000  # a presenting need, an assessment or review summary, a closing note
GOAL_MAX = 500  # one goal's words
MAX_GOALS = 10
MAX_SESSION_MINUTES = 8 * 60


def free_text(raw: object, field: str, *, max_length: int = TEXT_MAX) -> str:
    text = unicodedata.normalize("NFC", raw.strip() if isinstance(raw, str) else "")
    if not text:
        raise CaseworkValueInvalidError(field, "must not be empty")
    if len(text) > max_length:
        raise CaseworkValueInvalidError(field, f"longer than {max_length} characters", maxLength=max_length)
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise CaseworkValueInvalidError(field, "contains control characters")
    return text


def optional_free_text(raw: object | None, field: str, *, max_length: int = TEXT_MAX) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return free_text(raw, field, max_length=max_length)


def line(raw: object, field: str, *, max_length: int) -> str:
    """One line: a name, an office code, a staff id, a title."""
    text = free_text(raw, field, max_length=max_length)
    if any(unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" for ch in text):
        raise CaseworkValueInvalidError(field, "must be one line without control characters")
    return " ".join(text.split())


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    try:
        return enum(str(raw).strip().upper())
    except ValueError:
        raise CaseworkValueInvalidError(field, "unknown value", value=str(raw),
                                        allowed=[e.value for e in enum]) from None


def not_after(day: date, today: date, field: str) -> date:
    if day > today:
        raise CaseworkValueInvalidError(field, "is recorded after it happened, not before", value=str(day))
    return day


def within(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CaseworkValueInvalidError(field, f"must be a whole number from {low} to {high}", value=str(value))
    return value
