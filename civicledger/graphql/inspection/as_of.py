"""Typed time travel: `resident(id, asOf:)` and `household(id, asOf:)` answer with the same types as today's
read models, built from the aggregate as recorded at `asOf` — so masking and the read log apply unchanged.

A resident's household membership lives in the household's stream: a resident as of T shows no household
(ask `household(id, asOf:)`); nested residents of a household as of T are today's."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from strawberry.types import Info

from civicledger.core.auth import Scope
from civicledger.core.errors import NotFoundError
from civicledger.graphql.inspection.common import aware
from civicledger.inspection.timetravel import StreamAt


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


async def stream_at(info: Info, stream_id: UUID, as_of: datetime, type_name: str) -> StreamAt:
    """Time travel is an inspection: it needs the audit scope."""
    info.context.principal.require(Scope.AUDIT)
    instant = aware(as_of)
    assert instant is not None
    at = await info.context.runtime.inspection.stream_at(stream_id, instant)
    if at is None or at.type_name != type_name:
        raise NotFoundError(f"{type_name.lower()} {stream_id} was not recorded at {instant.isoformat()}",
                            id=str(stream_id), asOf=instant.isoformat())
    return at


def resident_row(at: StreamAt) -> dict[str, Any]:
    r = at.aggregate
    return {
        "id": r.id, "version": at.version, "seq": None, "name": r.name, "id_number": r.id_number,
        "gender": _value(r.gender), "birth_date": r.birth_date, "phone": r.phone, "district": r.district,
        "street": r.street, "community": r.community, "residency": _value(r.residency), "household_id": None,
        "relationship": None, "deceased_on": r.date_of_death, "erased": bool(r.erased or at.erased),
        "registered_at": r.created_on, "updated_at": r.modified_on, "position": at.position, "as_of": at.as_of,
    }


def household_row(at: StreamAt) -> dict[str, Any]:
    h = at.aggregate
    members = [{"residentId": str(rid), "relationship": _value(rel)} for rid, rel in h.members.items()]
    return {
        "id": h.id, "version": at.version, "seq": None, "head_id": h.head_id, "district": h.district,
        "members": json.dumps(members), "size": len(members), "established_at": h.created_on,
        "updated_at": h.modified_on, "position": at.position, "as_of": at.as_of,
    }
