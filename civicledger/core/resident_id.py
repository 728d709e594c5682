"""Resident identity numbers (GB 11643-1999).

18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male), and a check character
computed by ISO 7064 MOD 11-2.

A number is ASCII by construction (`core/ascii.py`): the full-width forms a Chinese input method types
(`４４０１…`, `Ｘ`) are folded to ASCII and a lowercase `x` is upper-cased, then the number must be exactly 17
ASCII digits and a digit or `X`. Every other spelling (Arabic-Indic, Devanagari, superscript digits ...) is
refused. The parsed `value` is the one canonical form: it is what is stored, shown and claimed unique."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from civicledger.core.ascii import fold_fullwidth, is_ascii_digits
from civicledger.core.errors import InvalidInputError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# First two digits: the province-level codes of GB/T 2260 (11 Beijing ... 65 Xinjiang, 71 Taiwan, 81/82 HK/Macau).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
     61, 62, 63, 64, 65, 71, 81, 82}
)
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # explicit classes: `\d` would match every script's digits


class ResidentIdNumberInvalidError(InvalidInputError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid resident ID number: {reason}", field="idNumber", reason=reason)
        self.reason = reason


def check_character(first17: str) -> str:
    if len(first17) != 17 or not is_ascii_digits(first17):
        raise ResidentIdNumberInvalidError("must be 17 digits followed by a digit or X")
    return _check_character(first17)


def _check_character(first17: str) -> str:
    """(17 ASCII digits, checked by the caller.)"""
    total = sum(map(mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentIdNumber:
    value: str
    area_code: str
    birth_date: date
    sequence: int

    @property
    def gender(self) -> str:
        return "MALE" if self.sequence % 2 == 1 else "FEMALE"

    def masked(self) -> str:
        return f"{self.value[:3]}***********{self.value[-4:]}"

    def __str__(self) -> str:
        return self.value


def normalise_id_number(raw: str) -> str:
    """The canonical spelling of what was typed: full-width forms folded, trimmed, `x` upper-cased. Not
    validated (searching by a number uses this; registering one uses `parse_resident_id`)."""
    value = fold_fullwidth(raw).strip()
    return value.upper() if value.isascii() else value


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentIdNumber:
    """Validate and parse; raise `ResidentIdNumberInvalidError` with the precise reason."""
    if not isinstance(raw, str):
        raise ResidentIdNumberInvalidError("not a string")
    value = normalise_id_number(raw)
    if len(value) != 18:
        raise ResidentIdNumberInvalidError(f"must have 18 characters, has {len(value)}")
    if not value.isascii() or not _SHAPE.fullmatch(value):
        raise ResidentIdNumberInvalidError("must be 17 digits followed by a digit or X")
    if int(value[:2]) not in PROVINCE_CODES:
        raise ResidentIdNumberInvalidError(f"unknown area code {value[:6]}")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ResidentIdNumberInvalidError(f"impossible birth date {value[6:14]}") from None
    if born < _EARLIEST_BIRTH or born > (today or date.today()):
        raise ResidentIdNumberInvalidError(f"birth date {born.isoformat()} out of range")
    expected = _check_character(value[:17])  # 17 ASCII digits: `_SHAPE` matched above
    if value[17] != expected:
        raise ResidentIdNumberInvalidError("check character does not match (bad checksum)")
    return ResidentIdNumber(value=value, area_code=value[:6], birth_date=born, sequence=int(value[14:17]))


def make_resident_id(area_code: str, born: date, sequence: int) -> str:
    """Build a valid number (demo data and tests)."""
    first17 = f"{area_code}{born.year:04d}{born.month:02d}{born.day:02d}{sequence:03d}"  # (no strftime: slower)
    return first17 + check_character(first17)
