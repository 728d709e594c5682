"""Input rules of meal commands that are this program's own: enum values, counts, the opening days. Texts go
through the one input-cleaning module (`core.text`), money through `core.money`."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from civicledger.core.ascii import ascii_int
from civicledger.core.errors import InvalidInputError
from civicledger.domains.meals.errors import MealValueInvalidError

E = TypeVar("E", bound=Enum)

MAX_MEALS_PER_SHEET = 500  # meals one RecordMeals may carry
MAX_RUNS_PER_MEAL = 4
MAX_BATCHES_PER_RUN = 30
MAX_CAPACITY = 5000
MAX_PORTIONS = 20000


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    text = str(raw).strip().upper()
    if text.isascii():
        for member in enum:
            if member.value == text:
                return member
    raise MealValueInvalidError(field, "unknown value", value=str(raw)[:40], allowed=[e.value for e in enum])


def bounded_int(raw: object, field: str, minimum: int, maximum: int) -> int:
    try:
        return ascii_int(raw, field=field, minimum=minimum, maximum=maximum)
    except InvalidInputError as exc:
        raise MealValueInvalidError(field, exc.message) from None


def opening_days(raw: Iterable[object]) -> tuple[int, ...]:
    days = tuple(sorted({bounded_int(d, "openingDays", 1, 7) for d in raw}))
    if not days:
        raise MealValueInvalidError("openingDays", "a canteen opens on at least one day (1 = Monday ... 7)")
    return days
