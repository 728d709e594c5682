"""Input rules of the registry that are the registry's own: residency. Names, phones and addresses are
cleaned by `core/text.py`, as in every program."""

from __future__ import annotations

from civicledger.core.errors import InvalidInputError
from civicledger.domains.residents.resident import Residency

_RESIDENCIES: dict[str, Residency] = {r.value: r for r in Residency}


def parse_residency(raw: str) -> Residency:
    member = _RESIDENCIES.get(raw) if isinstance(raw, str) else None  # the usual spelling: one dict lookup
    if member is not None:
        return member
    try:
        # ASCII before upper-casing: `str.upper` turns some other letters into ASCII ones (`ſ` → `S`).
        return Residency(str(raw).upper() if str(raw).isascii() else str(raw))
    except ValueError:
        raise InvalidInputError(
            "residency must be REGISTERED or NON_REGISTERED", field="residency", value=str(raw)[:40]
        ) from None
