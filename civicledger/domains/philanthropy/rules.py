"""Checking what a command carries: enums, money (yuan in, integer fen out), counts, dates and criteria."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import TypeVar

from civicledger.core import text
from civicledger.core.errors import InvalidInputError
from civicledger.core.money import yuan_to_the_fen
from civicledger.domains.philanthropy.errors import PhilanthropyValueInvalidError
from civicledger.domains.philanthropy.values import Criterion, CriterionScore

E = TypeVar("E", bound=Enum)

MAX_ROUND_BUDGET_FEN = 10_000_000_000 * 100  # ten billion yuan: far above any city's round
MAX_PROJECT_BUDGET_FEN = 100_000_000 * 100  # a hundred million yuan per project
MAX_BENEFICIARIES = 10_000_000
MAX_MILESTONES = 12
MAX_CRITERIA = 10
MAX_REVIEWER_ID = 40
CODE_MAX = 40
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def parse_enum(kind: type[E], raw: object, field: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        raise PhilanthropyValueInvalidError(field, f"one of {', '.join(m.value for m in kind)}") from None


def fen(raw: object, field: str, *, maximum: int) -> int:
    """An amount in yuan (strictly parsed by core/money.py) as integer fen, more than zero and at most `maximum`."""
    try:
        amount = yuan_to_the_fen(raw, field=field)
    except InvalidInputError as exc:
        raise PhilanthropyValueInvalidError(field, exc.message) from None
    value = int(amount * 100)
    if value <= 0:
        raise PhilanthropyValueInvalidError(field, "must be more than zero")
    if value > maximum:
        raise PhilanthropyValueInvalidError(field, f"at most {maximum // 100:,} yuan")
    return value


def bounded_int(raw: object, field: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise PhilanthropyValueInvalidError(field, f"a whole number from {low} to {high}")
    return raw


def code(raw: object, field: str) -> str:
    """An ASCII code: letters, digits, '-' and '_' (a criterion, a reviewer)."""
    value = text.line(raw, field, max_length=CODE_MAX)
    if not value.isascii() or not all(ch.isalnum() or ch in "-_" for ch in value):
        raise PhilanthropyValueInvalidError(field, "ASCII letters, digits, '-' and '_' only")
    return value.upper()


def year_of(raw: object) -> int:
    return bounded_int(raw, "year", EARLIEST_YEAR, LATEST_YEAR)


def period(opens_on: date, closes_on: date) -> tuple[date, date]:
    if closes_on < opens_on:
        raise PhilanthropyValueInvalidError("closesOn", "before the call opens")
    return opens_on, closes_on


def criteria(rows: tuple[tuple[object, object], ...]) -> tuple[Criterion, ...]:
    if not 1 <= len(rows) <= MAX_CRITERIA:
        raise PhilanthropyValueInvalidError("criteria", f"1 to {MAX_CRITERIA} criteria")
    parsed = tuple(Criterion(code(c, "criteria.code"), bounded_int(w, "criteria.weight", 1, 100)) for c, w in rows)
    if len({c.code for c in parsed}) != len(parsed):
        raise PhilanthropyValueInvalidError("criteria", "each criterion once")
    total = sum(c.weight for c in parsed)
    if total != 100:
        raise PhilanthropyValueInvalidError("criteria", "the weights must add up to 100", total=total)
    return parsed


def scores(given: tuple[tuple[object, object], ...], of: tuple[Criterion, ...]) -> tuple[tuple[CriterionScore, ...],
                                                                                          int]:
    """One score (0–100) per criterion of the round, and the weighted score in hundredths."""
    by_code: dict[str, int] = {}
    for raw_code, raw_score in given:
        key = code(raw_code, "scores.code")
        if key in by_code:
            raise PhilanthropyValueInvalidError("scores", f"{key} scored twice")
        by_code[key] = bounded_int(raw_score, "scores.score", 0, 100)
    expected = {c.code for c in of}
    if set(by_code) != expected:
        raise PhilanthropyValueInvalidError("scores", "one score per criterion of the round",
                                            missing=sorted(expected - set(by_code)),
                                            unknown=sorted(set(by_code) - expected))
    lines = tuple(CriterionScore(c.code, by_code[c.code]) for c in of)
    return lines, sum(by_code[c.code] * c.weight for c in of)
