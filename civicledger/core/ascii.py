"""Identifiers and numbers are ASCII by construction (DESIGN §3, Resident identity).

Python's `\\d`, `int()`, `Decimal()` and `str.isdigit()` accept every Unicode digit — `int("４２")`, `int("٤٢")`
and `Decimal("४२")` are all 42, and so is `int(" 4_2 ")` — so a parser built on them lets one value arrive in
many spellings. An ID number's uniqueness claim was bypassed exactly so. Every parser of an identifier, a
number or a position therefore goes through these helpers, and checks its grammar with explicit `[0-9]`
classes, never `\\d`:

- `fold_fullwidth` turns the full-width forms of ASCII (U+FF01–U+FF5E, and the ideographic space U+3000),
  which a Chinese input method types, into ASCII. It is applied only where a person types the value (ID
  numbers, phone numbers, money). Nothing else is folded: NFKC would also turn superscripts, circled and
  mathematical digits into digits, and other scripts' digits (Arabic-Indic, Devanagari ...) stay refused.
- `ascii_int` parses machine values (cursors, positions, ids in global ids): ASCII digits with an optional
  minus sign, nothing folded, within an explicit range — a value beyond a column's range is a typed
  `INVALID_INPUT` here, never an overflow in PostgreSQL.
"""

from __future__ import annotations

import re
from uuid import UUID

from civicledger.core.errors import InvalidInputError

INT32_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1  # PostgreSQL bigint: log positions, versions, read ids

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_INTEGER = re.compile(r"-?[0-9]{1,40}")  # long enough to say "out of range" rather than "not a number"


def fold_fullwidth(text: str) -> str:
    """Full-width ASCII forms to ASCII (`４４０１` → `4401`, `Ｘ` → `X`); every other character unchanged."""
    return text if text.isascii() else text.translate(_FULLWIDTH)


def is_ascii_digits(text: str) -> bool:
    """Only `0`–`9`, at least one (what `str.isdigit()` should have meant)."""
    return text.isascii() and text.isdigit()


def ascii_int(raw: object, *, field: str, minimum: int = 0, maximum: int = BIGINT_MAX) -> int:
    """An integer given as a Python int or as ASCII digits (optional leading minus), within [minimum, maximum].
    No Unicode digits, no underscores, no surrounding spaces, no booleans."""
    if isinstance(raw, bool):
        raise InvalidInputError(f"{field} must be an integer", field=field)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _INTEGER.fullmatch(raw):
        value = int(raw)
    else:
        raise InvalidInputError(f"{field} must be an integer written in ASCII digits", field=field)
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"{field} must be between {minimum} and {maximum}", field=field,
                                minimum=minimum, maximum=maximum)
    return value


def ascii_uuid(raw: object, *, field: str = "id") -> UUID:
    """A UUID from ASCII text only (`uuid.UUID` accepts Unicode hex digits, since it parses with `int(_, 16)`)."""
    text = str(raw)
    if not text.isascii():
        raise InvalidInputError(f"{field} is not a UUID", field=field)
    try:
        return UUID(text)
    except ValueError:
        raise InvalidInputError(f"{field} is not a UUID", field=field) from None
