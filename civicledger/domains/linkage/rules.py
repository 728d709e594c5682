"""Input rules of linkage commands that are linkage's own: enum values and the resident's confirmation.
Texts and phones are cleaned by `core/text.py`, as in every program."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from civicledger.core import text
from civicledger.domains.linkage.errors import LinkageValueInvalidError, ResidentConfirmationMissingError
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod

E = TypeVar("E", bound=Enum)


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    value = str(raw).strip()
    try:
        # ASCII before upper-casing: `str.upper` turns some other letters into ASCII ones (`ſ` → `S`).
        return enum(value.upper() if value.isascii() else value)
    except ValueError:
        raise LinkageValueInvalidError(field, "unknown value", value=value[:40],
                                       allowed=[e.value for e in enum]) from None


def confirmation(raw: Confirmation | None) -> Confirmation:
    if raw is None or not isinstance(raw.reference, str) or not raw.reference.strip():
        raise ResidentConfirmationMissingError()
    method = parse_enum(ConfirmationMethod, raw.method, "confirmation.method")
    reference = text.line(raw.reference, "confirmation.reference", max_length=text.CONFIRMATION_MAX)
    return Confirmation(method=method, reference=reference)
