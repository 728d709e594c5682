"""A resident's marital status, shown on Resident (`maritalStatus(on:)`): personal data, so it is shown only to
readers who may see the resident's personal data (and the read is logged, as for every such field).

Today's resident: from the `marriage_registrations` read model, on `on` (default: today). A resident as
recorded at an instant (`resident(id, asOf:)`, inspectors): from the resident's marital record as recorded at
that instant (time travel), on `on` (default: that instant's date) — what the registry knew then."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from strawberry.types import Info

from civicledger.core.clock import business_date
from civicledger.domains.marriage.marital_record import marital_record_id, status_on
from civicledger.graphql.marriage.types import MaritalStatusEnum, MaritalStatusType
from civicledger.graphql.permissions import reveal_resident
from civicledger.projections.marriage_registrations import marital_status_on, marriages_of


async def marital_status_of(info: Info, row: Any, on: date | None) -> MaritalStatusType | None:
    if not reveal_resident(info.context, row, "maritalStatus"):
        return None
    as_of = row.get("as_of") if hasattr(row, "get") else None
    if as_of is not None:
        day = on or business_date(as_of)
        at = await info.context.runtime.inspection.stream_at(marital_record_id(row["id"]), as_of)
        marriages = list(at.aggregate.marriages) if at is not None and at.aggregate is not None else []
        status, found = status_on(marriages, day)
        return MaritalStatusType(
            status=MaritalStatusEnum(status.value), on=day,
            since=_since(status.value, found) if found else None,
            marriage_id=UUID(found["marriage_id"]) if found else None)
    day = on or business_date()
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await marriages_of(conn, row["id"])
    status, found_row = marital_status_on(list(rows), row["id"], day)
    return MaritalStatusType(
        status=MaritalStatusEnum(status.value), on=day,
        since=({"DIVORCED": found_row["divorced_on"], "WIDOWED": found_row["ended_on"]}.get(
            status.value, found_row["registered_on"])) if found_row else None,
        marriage_id=found_row["id"] if found_row else None)


def _since(status: str, marriage: dict[str, Any]) -> date | None:
    key = {"DIVORCED": "divorced_on", "WIDOWED": "widowed_on"}.get(status, "married_on")
    value = marriage.get(key)
    return date.fromisoformat(value) if value else None
