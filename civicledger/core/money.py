"""Money is `Decimal` yuan with two places (fen), never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from civicledger.core.errors import InvalidInputError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def yuan(value: object, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """Parse a money amount strictly: numbers or numeric strings, rounded half-up to the fen."""
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise InvalidInputError(f"{field} must be a number of yuan", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInputError(f"{field} is not a number: {value!r}", field=field) from None
    if not amount.is_finite():
        raise InvalidInputError(f"{field} must be finite", field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInputError(f"{field} must not be negative", field=field)
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)
