"""How charity values are read and checked: quantities per kind, closed sets, and the anonymity of every text a
donor may read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import TypeVar

from civicledger.core import text
from civicledger.core.ascii import ascii_int, fold_fullwidth
from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import parse_district
from civicledger.core.money import yuan_to_the_fen
from civicledger.domains.charity.errors import CharityNeedNotAnonymousError, CharityValueInvalidError
from civicledger.domains.charity.values import SupportKind

E = TypeVar("E", bound=Enum)
MAX_MONEY = Decimal("10000000")  # ten million yuan: above any one gift handled case by case
MAX_UNITS = 100_000
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9Xx]")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_LONG_NUMBER = re.compile(r"[0-9]{11,}")
# what people put between the groups of a phone or ID number (139 1234 5678, 440105-19750601-0011, (+86) 139.1234)
_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])[\s\-.·・()（）+/_~—–]+(?=[0-9])")


def parse_enum(kind: type[E], raw: str, field: str) -> E:
    try:
        return kind(raw)
    except ValueError:
        raise CharityValueInvalidError(field, f"unknown value {str(raw)[:40]!r}",
                                       allowed=[m.value for m in kind]) from None


def quantity(kind: SupportKind, raw: object, field: str = "quantity") -> Decimal:
    """Yuan (2 places) for money, whole units for goods and services; always more than 0."""
    if isinstance(raw, str) and not raw.isascii():
        raise CharityValueInvalidError(field, "write quantities in ASCII digits")
    try:
        if kind is SupportKind.MONEY:
            value = yuan_to_the_fen(raw, field=field)
            if value <= 0 or value > MAX_MONEY:
                raise CharityValueInvalidError(field, f"more than 0 and at most {MAX_MONEY} yuan")
            return value
        return Decimal(ascii_int(raw, field=field, minimum=1, maximum=MAX_UNITS))
    except CharityValueInvalidError:
        raise
    except InvalidInputError as exc:
        raise CharityValueInvalidError(field, exc.message) from None


def anonymous_text(raw: object, field: str, resident_name: str | None) -> str:
    """Free text a donor will read: no ID number, no phone number, no long number, not the resident's name."""
    value = text.free_text(raw, field, max_length=text.SHORT_TEXT_MAX)
    folded = _BETWEEN_DIGITS.sub("", fold_fullwidth(value))  # groups joined: a disguised number is still one
    if _ID_NUMBER.search(folded):
        raise CharityNeedNotAnonymousError(field, "an ID number")
    if _PHONE.search(folded) or _LONG_NUMBER.search(folded):
        raise CharityNeedNotAnonymousError(field, "a phone or account number")
    name = _letters(resident_name or "")
    if resident_name and len(resident_name) >= 2 and (resident_name in value or (len(name) >= 2
                                                                                   and name in _letters(value))):
        raise CharityNeedNotAnonymousError(field, "the resident's name")
    return value


def _letters(value: str) -> str:
    """Only the letters (冼 嘉怡, 冼·嘉怡 → 冼嘉怡): a name split by spaces or punctuation still names the resident."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", value) if unicodedata.category(ch).startswith("L"))


def categories(raw: Sequence[str], kind: type[E]) -> tuple[E, ...]:
    if len(raw) > len(kind):  # type: ignore[arg-type]
        raise CharityValueInvalidError("categories", "each category at most once")
    return tuple(dict.fromkeys(parse_enum(kind, r, "categories") for r in raw))


def districts(raw: Sequence[str]) -> tuple[str, ...]:
    if len(raw) > 11:
        raise CharityValueInvalidError("districts", "Guangzhou has 11 districts")
    return tuple(dict.fromkeys(parse_district(text.line(d, "districts", max_length=40)).value for d in raw))
