"""Casework queries: the catalogue, stations, a station's caseload, a resident's cases and a case."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from civicledger.core.errors import NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.casework import access
from civicledger.graphql.casework.case_types import (
    CaseworkCaseConnection,
    CaseworkCaseType,
    StationConnection,
    StationEdge,
    case_page,
    caseload_page,
)
from civicledger.graphql.casework.types import (
    After,
    First,
    ReviewDueFilter,
    ServiceFilter,
    ServiceType,
    StationType,
    StatusFilter,
    WorkerFilter,
    services,
)
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, encode_cursor, page_info, page_size, uuid_of
from civicledger.projections.casework_cases import cases_of_resident
from civicledger.projections.casework_stations import search_stations

StationId = Annotated[strawberry.ID, strawberry.argument(description="The CaseworkStation.")]


async def _row(loader: Any, key: Any, what: str, raw_id: str) -> Any:
    row = await loader.load(key)
    if row is None:
        raise NotFoundError(f"{what} {key} not found", id=raw_id)
    return row


@strawberry.type
class CaseworkQueries:
    @strawberry.field(permission_classes=[CanRead], description="The stations' 3 services and the 15 special "
                      "projects.")
    def casework_services(self) -> list[ServiceType]:
        return services()

    @strawberry.field(permission_classes=[CanRead], description="Stations by district, street and service or "
                      "project run; 1 to 100 per page (default 20).")
    async def casework_stations(
            self, info: Info,
            district: Annotated[str | None, strawberry.argument(description="A district code or name.")] = None,
            street: Annotated[str | None, strawberry.argument(description="A street of the district.")] = None,
            service: Annotated[str | None, strawberry.argument(description="Stations that run this service or "
                                                                           "project (its code).")] = None,
            first: First = 20, after: After = None) -> StationConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_stations(conn, district=parse_district(district).value if district else None,
                                         street=street.strip() if street else None,
                                         service=service.strip().upper() if service else None,
                                         after_seq=decode_cursor("st", after), limit=limit)
        edges = [StationEdge(cursor=encode_cursor("st", r["seq"]), node=StationType.from_row(r)) for r in rows[:limit]]
        return StationConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead], description="A station by its id.")
    async def casework_station(self, info: Info, id: StationId) -> StationType:
        key = uuid_of(id, "CaseworkStation")
        return StationType.from_row(await _row(access.stations(info), key, "casework station", id))

    @strawberry.field(permission_classes=[CanRead], description="The cases a station holds now, oldest first: the "
                      "same as `caseworkStation(id).caseload`; 1 to 100 per page (default 20).")
    async def casework_caseload(self, info: Info, station_id: StationId, status: StatusFilter = None,
                                service: ServiceFilter = None, social_worker_id: WorkerFilter = None,
                                review_due: ReviewDueFilter = None, first: First = 20,
                                after: After = None) -> CaseworkCaseConnection:
        key = uuid_of(station_id, "CaseworkStation")
        await _row(access.stations(info), key, "casework station", station_id)
        return await caseload_page(info, key, status=status, service=service, social_worker_id=social_worker_id,
                                   review_due=review_due, first=first, after=after)

    @strawberry.field(permission_classes=[CanRead], description="A resident's casework cases at every station, "
                      "oldest first; 1 to 100 per page (default 20).")
    async def casework_cases(
            self, info: Info, resident_id: Annotated[strawberry.ID, strawberry.argument(description="The Resident.")],
            first: First = 20, after: After = None) -> CaseworkCaseConnection:
        return await case_page(info, cases_of_resident, first, after, resident_id=uuid_of(resident_id, "Resident"))

    @strawberry.field(permission_classes=[CanRead], description="A case with its plan, goals, sessions, reviews "
                      "and history.")
    async def casework_case(
            self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The CaseworkCase.")],
    ) -> CaseworkCaseType:
        key = uuid_of(id, "CaseworkCase")
        return CaseworkCaseType.from_row(await _row(access.cases(info), key, "casework case", id))
