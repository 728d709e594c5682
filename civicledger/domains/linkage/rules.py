"""Input rules of linkage commands: texts, phones, enum values, the resident's confirmation."""

from __future__ import annotations

import unicodedata
from enum import Enum
from typing import TypeVar

from civicledger.core.guangzhou import normalise_phone
from civicledger.domains.linkage.errors import LinkageValueInvalidError, ResidentConfirmationMissingError
from civicledger.domains.linkage.values import Confirmation, ConfirmationMethod

E = TypeVar("E", bound=Enum)



def clean_text(raw: str | None, field: str, *, max_length: int = 2000) -> str:
    text = unicodedata.normalize("NFC", (raw or "").strip())
    if not text:
        raise LinkageValueInvalidError(field, "must not be empty")
    if len(text) > max_length:
        raise LinkageValueInvalidError(field, f"longer than {max_length} characters")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise LinkageValueInvalidError(field, "contains control characters")
    return text


def optional_text(raw: str | None, field: str, *, max_length: int = 2000) -> str | None:
    return None if raw is None or not raw.strip() else clean_text(raw, field, max_length=max_length)


def clean_phone(raw: str | None) -> str | None:
    try:
        return normalise_phone(raw)
    except ValueError as exc:
        raise LinkageValueInvalidError("contactPhone", str(exc)) from None


def parse_enum(enum: type[E], raw: object, field: str) -> E:
    if isinstance(raw, enum):
        return raw
    try:
        return enum(str(raw).strip().upper())
    except ValueError:
        raise LinkageValueInvalidError(field, "unknown value", value=str(raw),
                                       allowed=[e.value for e in enum]) from None


def confirmation(raw: Confirmation | None) -> Confirmation:
    if raw is None or not str(raw.reference or "").strip():
        raise ResidentConfirmationMissingError()
    method = parse_enum(ConfirmationMethod, raw.method, "confirmation.method")
    return Confirmation(method=method, reference=clean_text(raw.reference, "confirmation.reference", max_length=120))
