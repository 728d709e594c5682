"""Input rules of the registry: names, phones, addresses, residency."""

from __future__ import annotations

import unicodedata

from civicledger.core.errors import InvalidInputError
from civicledger.core.guangzhou import check_street, normalise_phone, parse_district
from civicledger.domains.residents.errors import PhoneInvalidError, ResidentNameInvalidError
from civicledger.domains.residents.resident import Residency


def clean_name(raw: str) -> str:
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise ResidentNameInvalidError("must not be empty")
    if len(name) > 60:
        raise ResidentNameInvalidError("longer than 60 characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ResidentNameInvalidError("contains control characters")
    return name


def clean_phone(raw: str | None) -> str | None:
    try:
        return normalise_phone(raw)
    except ValueError:
        raise PhoneInvalidError() from None


def clean_address(district: str, street: str, community: str) -> tuple[str, str, str]:
    d = parse_district(district)
    s = check_street(d, street)
    c = (community or "").strip()
    if not c or len(c) > 60:
        raise InvalidInputError("community must be given (at most 60 characters)", field="community")
    return d.value, s, c


def parse_residency(raw: str) -> Residency:
    try:
        return Residency(str(raw).upper())
    except ValueError:
        raise InvalidInputError(
            "residency must be REGISTERED or NON_REGISTERED", field="residency", value=str(raw)
        ) from None
