"""Registry queries: search residents, one resident, one household."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.errors import NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.inspection import as_of as as_of_
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_info, page_limit, page_size, uuid_of
from civicledger.graphql.residents.types import (
    HouseholdType,
    ResidentConnection,
    ResidentEdge,
    ResidentType,
)
from civicledger.projections.residents import search_residents


@strawberry.input(description="Narrows the residents list; every given field must match.", name="ResidentFilter")
class ResidentFilter:
    name: str | None = strawberry.field(default=None, description="Part of the name.")
    id_number: str | None = strawberry.field(default=None, description="The full 18-character ID number.")
    district: str | None = strawberry.field(default=None, description="District code (HAIZHU) or name (海珠区).")


@strawberry.type
class ResidentQueries:
    @strawberry.field(description=page_limit() + "Residents the caller may see (their districts), filtered by name, ID "
                                                 "number or district; personal data masked by role.",
                      permission_classes=[CanRead])
    async def residents(
        self, info: Info,
        filter: Annotated[ResidentFilter | None, strawberry.argument(
                description="Narrows the residents by part of the name, the full ID number, or district; omitted: every"
                            " resident the caller may see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> ResidentConnection:
        limit = page_size(first)
        f = filter or ResidentFilter()
        district = parse_district(f.district).value if f.district else None
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_residents(conn, name=f.name, id_number=f.id_number, district=district,
                                          after_seq=decode_cursor("r", after), limit=limit)
        has_next = len(rows) > limit
        edges = [ResidentEdge(cursor=encode_cursor("r", r["seq"]), node=ResidentType.from_row(r))
                 for r in rows[:limit]]
        return ResidentConnection(
            edges=edges,
            page_info=page_info(edges, has_next, after is not None),
        )

    @strawberry.field(permission_classes=[CanRead],
                      description="With `asOf` (inspectors): the resident as recorded at that instant.")
    async def resident(
        self, info: Info,
        id: strawberry.ID,
        as_of: Annotated[datetime | None, strawberry.argument(
                description="Inspectors: the resident as recorded at this instant (time travel); omitted: "
                            "now.")] = None,
    ) -> ResidentType:
        resident_id = uuid_of(id, "Resident")
        if as_of is not None:
            at = await as_of_.stream_at(info, resident_id, as_of, "Resident")
            return ResidentType.from_row(as_of_.resident_row(at))
        row = await info.context.loaders.resident.load(resident_id)
        if row is None:
            raise NotFoundError(f"resident {resident_id} not found", id=str(id))
        return ResidentType.from_row(row)

    @strawberry.field(permission_classes=[CanRead],
                      description="With `asOf` (inspectors): the household as recorded at that instant.")
    async def household(
        self, info: Info,
        id: strawberry.ID,
        as_of: Annotated[datetime | None, strawberry.argument(
                description="Inspectors: the household as recorded at this instant (time travel); omitted: "
                            "now.")] = None,
    ) -> HouseholdType:
        household_id = uuid_of(id, "Household")
        if as_of is not None:
            at = await as_of_.stream_at(info, household_id, as_of, "Household")
            return HouseholdType.from_row(as_of_.household_row(at))
        row = await info.context.loaders.household.load(household_id)
        if row is None:
            raise NotFoundError(f"household {household_id} not found", id=str(id))
        return HouseholdType.from_row(row)
