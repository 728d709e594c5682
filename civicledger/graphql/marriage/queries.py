"""Marriage queries: one marriage, an office's registrations, an office's appointment book for a day, and the
statistics per office and month. A resident's marital status is a field of Resident (`status.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.errors import ForbiddenError, InvalidInputError, NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.marriage.types import (
    MarriageAppointmentConnection,
    MarriageAppointmentEdge,
    MarriageAppointmentType,
    MarriageConnection,
    MarriageEdge,
    MarriageStatisticsType,
    MarriageStatusEnum,
    MarriageType,
    cursor,
)
from civicledger.graphql.permissions import CanRead, reveal_resident
from civicledger.graphql.relay import decode_cursor, page_info, page_size, uuid_of
from civicledger.projections.marriage_appointments import appointments_of_day
from civicledger.projections.marriage_registrations import marriages_by_ids, office_registrations, statistics

PAGE = "Page size 1–100 (default 20)."
MAX_MONTHS = 24
First = Annotated[int | None, strawberry.argument(description="Page size, 1–100.")]
After = Annotated[str | None, strawberry.argument(description="The cursor of the last edge of the previous page.")]
Office = Annotated[str | None, strawberry.argument(description="A district code (HAIZHU) or name (海珠区); "
                                                               "at most 20 characters.")]


def _district(office: str) -> str:
    if len(office) > 20:
        raise InvalidInputError("office: at most 20 characters", field="office", maxLength=20)
    return parse_district(office).value


def _months(since: date, until: date) -> int:
    return (until.year - since.year) * 12 + until.month - since.month


@strawberry.type
class MarriageQueries:
    @strawberry.field(permission_classes=[CanRead], description="One marriage registration.")
    async def marriage(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="A Marriage's global id.")]) -> MarriageType:
        marriage_id = uuid_of(id, "Marriage")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await marriages_by_ids(conn, [marriage_id])
        if not rows:
            raise NotFoundError(f"marriage {marriage_id} not found", id=str(id))
        return MarriageType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description=f"Registrations, in the order recorded, of one "
                                                                f"office (a district code or name) or all, of one "
                                                                f"resident or all. {PAGE}")
    async def marriages(self, info: Info, office: Office = None,
                        status: Annotated[MarriageStatusEnum | None, strawberry.argument(
                            description="Only marriages in this status.")] = None,
                        resident_id: Annotated[strawberry.ID | None, strawberry.argument(
                            description="Only this Resident's marriages: their marital status, so personal data — "
                                        "only for readers who may see that resident's personal data (FORBIDDEN "
                                        "otherwise, and once the resident is erased); the read is logged.")] = None,
                        first: First = 20, after: After = None) -> MarriageConnection:
        limit = page_size(first)
        if resident_id:
            row = await info.context.loaders.resident.load(uuid_of(resident_id, "Resident"))
            if row is None or not reveal_resident(info.context, row, "marriages"):
                raise ForbiddenError("one resident's marriages are their marital status: personal data you may "
                                     "not see", field="residentId")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await office_registrations(conn, office=_district(office) if office else None,
                                              status=status.value if status else None,
                                              after=decode_cursor("mr", after), limit=limit,
                                              resident_id=uuid_of(resident_id, "Resident") if resident_id else None)
        edges = [MarriageEdge(cursor=cursor(r, "mr"), node=MarriageType.from_row(r)) for r in rows[:limit]]
        return MarriageConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead], description=f"An office's appointment book for one day. {PAGE}")
    async def marriage_appointments(self, info: Info,
                                    office: Annotated[str, strawberry.argument(description="A district code or "
                                                                                           "name.")],
                                    on: Annotated[date, strawberry.argument(description="The day.")],
                                    first: First = 20, after: After = None) -> MarriageAppointmentConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await appointments_of_day(conn, office=_district(office), on_day=on,
                                             after=decode_cursor("ma", after), limit=limit)
        edges = [MarriageAppointmentEdge(cursor=cursor(r, "ma"), node=MarriageAppointmentType.from_row(r))
                 for r in rows[:limit]]
        return MarriageAppointmentConnection(edges=edges,
                                             page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(permission_classes=[CanRead], description=f"Per office and month, from `since` (inclusive) "
                                                                f"to `until` (exclusive), at most {MAX_MONTHS} "
                                                                f"months (so at most 11 × {MAX_MONTHS} rows); one "
                                                                f"office (a district code or name) or all.")
    async def marriage_statistics(self, info: Info,
                                  since: Annotated[date, strawberry.argument(description="First day, inclusive.")],
                                  until: Annotated[date, strawberry.argument(description="Last day, exclusive.")],
                                  office: Office = None) -> list[MarriageStatisticsType]:
        if until <= since or _months(since, until) > MAX_MONTHS:
            raise InvalidInputError(f"until must follow since, at most {MAX_MONTHS} months later", field="until",
                                    maxMonths=MAX_MONTHS)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await statistics(conn, since=since, until=until,
                                    office=_district(office) if office else None)
        return [MarriageStatisticsType(office=r["office"], month=r["month"], marriages=r["marriages"],
                                       divorces=r["divorces"], divorce_applications=r["applications"],
                                       withdrawals=r["withdrawals"], lapses=r["lapses"]) for r in rows]
