"""Money is `Decimal` yuan with two places (fen), never float.

An amount is ASCII by construction (`core/ascii.py`): a number, or a string of ASCII digits with an optional
sign and decimal point — full-width forms folded (`９５０` → `950`), every other script's digits refused, as
are exponents, `NaN`, `Infinity` and underscores, which `Decimal()` would all accept. Amounts are bounded
(`MAX_YUAN`), so that no figure can overflow a computation or a column downstream."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from civicledger.core.ascii import fold_fullwidth
from civicledger.core.errors import InvalidInputError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_YUAN = Decimal("1000000000000")  # one trillion yuan: above any household's figure, far inside Decimal's precision

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def decimal_number(value: object, *, field: str, limit: Decimal = MAX_YUAN) -> Decimal:
    """A finite decimal number with |value| < `limit`, from an int, a Decimal, a float or an ASCII numeric
    string (see the module docstring). Not rounded."""
    if isinstance(value, float):
        value = repr(value)  # the shortest repr that round-trips; may carry an exponent
        number: Decimal | None = Decimal(value) if value not in ("nan", "inf", "-inf") else None
    elif isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise InvalidInputError(f"{field} must be a number", field=field)
    elif isinstance(value, str):
        text = fold_fullwidth(value).strip()
        number = Decimal(text) if text.isascii() and _NUMBER.fullmatch(text) else None
    else:
        number = Decimal(value)
    if number is None:
        raise InvalidInputError(f"{field} is not a number: {str(value)[:40]!r}", field=field)
    if not number.is_finite():
        raise InvalidInputError(f"{field} must be finite", field=field)
    if abs(number) >= limit:
        raise InvalidInputError(f"{field} must be less than {limit:,}", field=field, limit=str(limit))
    return number


def yuan(value: object, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """Parse a money amount strictly (see the module docstring), rounded half-up to the fen."""
    amount = decimal_number(value, field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInputError(f"{field} must not be negative", field=field)
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)  # bounded above: cannot exceed Decimal's precision


def yuan_to_the_fen(value: object, *, field: str = "amount") -> Decimal:
    """An amount a person enters (a gift, a budget, a grant): as `yuan`, but written to the fen at most — 100.005
    is refused, never rounded to 100.01 (rounding would create or lose money the giver did not write)."""
    amount = decimal_number(value, field=field)
    if amount != amount.quantize(FEN):
        raise InvalidInputError(f"{field} is written to the fen (at most 2 decimal places)", field=field)
    return yuan(amount, field=field)


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)
