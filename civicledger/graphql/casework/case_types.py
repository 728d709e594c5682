"""The CaseworkCase node: where it is held, its stage, plan and goals, sessions (notes only for the station
holding the case, and inspectors with a purpose), reviews, closure and full history; and pages of cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.clock import business_date
from civicledger.graphql.casework import access
from civicledger.graphql.casework.case_parts import (
    NOTES_RULE,
    PERSONAL_RULE,
    ClosureType,
    HistoryConnection,
    HistoryEdge,
    HistoryEntryType,
    PlanType,
    ReviewConnection,
    ReviewEdge,
    ReviewType,
    SessionConnection,
    SessionEdge,
    SessionType,
    _json,
)
from civicledger.graphql.casework.enums import IntakeSourceEnum, NeedAreaEnum, RiskLevelEnum
from civicledger.graphql.casework.types import (
    LIST_DEFAULT,
    LIST_MAX,
    After,
    CaseStatusEnum,
    First,
    ListFirst,
    ServiceType,
    StationType,
    _nodes,
    service_type,
    station,
)
from civicledger.graphql.relay import (
    connection,
    decode_cursor,
    encode_cursor,
    list_connection,
    page_info,
    page_limit,
    page_size,
)
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.casework_cases import caseload
from civicledger.projections.casework_history import case_history
from civicledger.projections.casework_records import reviews_of, sessions_of

# -- the case ------------------------------------------------------------------------------------------


StationEdge, StationConnection = connection("CaseworkStation", StationType, "Social-work stations: in the "
                                             "order they were registered (caseworkStations), or that they held a case "
                                             "(previousStations).")


@strawberry.type(name="CaseworkCase", description="A resident's casework case at the station that holds it now.")
class CaseworkCaseType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The case's UUID (the global `id` wraps it).")
    def case_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The station holding the case now: its social workers alone work it.")
    async def station(self, info: Info) -> StationType | None:
        return await station(info, self.row["station_id"])

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Stations that held it before, oldest first "
                      "(they no longer see its notes); a transfer adds one at the end.")
    async def previous_stations(self, info: Info, first: ListFirst = LIST_DEFAULT, after: After = None
                                ) -> StationConnection:
        ids = [UUID(s) for s in _json(self.row["previous_station_ids"])]
        page = list_connection(StationEdge, StationConnection, ids, "cprev", first, after, None, LIST_DEFAULT,
                               LIST_MAX)
        rows = await access.stations(info).load_many([e.node for e in page.edges])
        page.edges = [StationEdge(cursor=e.cursor, node=StationType.from_row(r))
                      for e, r in zip(page.edges, rows, strict=True) if r]
        return page

    @strawberry.field(description="The resident the case is about.")
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.row["resident_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="The station service or special project it is for.")
    def service(self) -> ServiceType:
        return service_type(self.row["service"])

    @strawberry.field(description="How it came in.")
    def source(self) -> IntakeSourceEnum:
        return IntakeSourceEnum(self.row["source"])

    @strawberry.field(description="The three-society linkage referral it came from (a Referral id).")
    def referral_id(self) -> strawberry.ID | None:
        rid = self.row["referral_id"]
        return strawberry.ID(str(relay.GlobalID("Referral", str(rid)))) if rid else None

    @strawberry.field(description="The program it came from (OTHER_PROGRAM) and that program's reference.")
    def source_program(self) -> str | None:
        return self.row["source_program"]

    @strawberry.field(description="The other program's reference (OTHER_PROGRAM).")
    def source_reference(self) -> str | None:
        return self.row["source_reference"]

    @strawberry.field(description="Its stage.")
    def status(self) -> CaseStatusEnum:
        return CaseStatusEnum(self.row["status"])

    @strawberry.field(description="The social worker who holds it (one of the station's).")
    def social_worker_id(self) -> str | None:
        return self.row["social_worker_id"]

    @strawberry.field(description="Why the resident came, in their words. " + PERSONAL_RULE)
    def presenting_need(self, info: Info) -> str | None:
        value = self.row["presenting_need"]
        if value is None:
            return None
        return value if access.reveal(info, self.row, "presentingNeed") else access.masked(value)

    @strawberry.field(description="The business day (Asia/Shanghai) it was taken in.")
    def opened_on(self) -> date:
        return self.row["opened_on"]

    @strawberry.field(description="The assessment's risk level (null before the assessment).")
    def risk(self) -> RiskLevelEnum | None:
        return RiskLevelEnum(self.row["risk"]) if self.row["risk"] else None

    @strawberry.field(description="What the assessment found the resident needs help with.")
    def need_areas(self) -> list[NeedAreaEnum]:
        return [NeedAreaEnum(a) for a in _json(self.row["need_areas"])]

    @strawberry.field(description=PERSONAL_RULE)
    def assessment_summary(self, info: Info) -> str | None:
        value = self.row["assessment_summary"]
        if value is None:
            return None
        return value if access.reveal(info, self.row, "assessmentSummary") else access.masked(value)

    @strawberry.field(description="When it was assessed (null before).")
    def assessed_on(self) -> date | None:
        return self.row["assessed_on"]

    @strawberry.field(description="The service plan in force (null before one is agreed).")
    def plan(self) -> PlanType | None:
        return PlanType(row=self.row) if self.row["plan_version"] else None

    @strawberry.field(description="When the next periodic review is due (null when closed or before a plan).")
    def next_review_due(self) -> date | None:
        return self.row["next_review_due"]

    @strawberry.field(description="True when the next review is due today or earlier.")
    def review_overdue(self) -> bool:
        due = self.row["next_review_due"]
        return due is not None and due <= business_date()

    @strawberry.field(description="Sessions recorded so far.")
    def session_count(self) -> int:
        return self.row["sessions"]

    @strawberry.field(description="Minutes of all sessions together.")
    def session_minutes(self) -> int:
        return self.row["session_minutes"]

    @strawberry.field(description="The day of the latest session.")
    def last_session_on(self) -> date | None:
        return self.row["last_session_on"]

    @strawberry.field(description="Reviews recorded so far.")
    def review_count(self) -> int:
        return self.row["reviews"]

    @strawberry.field(description="How often it moved to another station.")
    def transfers(self) -> int:
        return self.row["transfers"]

    @strawberry.field(description="How it ended (closed cases only).")
    def closure(self) -> ClosureType | None:
        return ClosureType(row=self.row) if self.row["status"] == "CLOSED" else None

    @strawberry.field(description="The sessions in order; 1 to 100 per page (default 20). Notes: " + NOTES_RULE)
    async def sessions(self, info: Info, first: First = 20, after: After = None) -> SessionConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await sessions_of(conn, self.row["id"], after=decode_cursor("cs", after), limit=limit)
        edges = [SessionEdge(cursor=encode_cursor("cs", r["number"]), node=SessionType(row=r)) for r in rows[:limit]]
        return SessionConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(description="The reviews in order; 1 to 100 per page (default 20).")
    async def reviews(self, info: Info, first: First = 20, after: After = None) -> ReviewConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await reviews_of(conn, self.row["id"], after=decode_cursor("cr", after), limit=limit)
        edges = [ReviewEdge(cursor=encode_cursor("cr", r["number"]), node=ReviewType(row=r)) for r in rows[:limit]]
        return ReviewConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(description="Every event of the case, oldest first; 1 to 100 per page (default 50).")
    async def history(self, info: Info, first: First = 50, after: After = None) -> HistoryConnection:
        limit = page_size(first, default=50)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await case_history(conn, self.row["id"], after=decode_cursor("ch", after), limit=limit)
        edges = [HistoryEdge(cursor=encode_cursor("ch", r["position"]), node=HistoryEntryType(
            kind=r["kind"], details=_json(r["details"]), actor_id=r["actor_id"], actor_role=r["actor_role"],
            actor_office=r["actor_office"], reason=r["reason"], occurred_at=r["occurred_at"],
            position=r["position"])) for r in rows[:limit]]
        return HistoryConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(description="The case stream's version (pass as expectedVersion).")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> CaseworkCaseType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.cases(info), node_ids)


CaseworkCaseEdge, CaseworkCaseConnection = connection("CaseworkCase", CaseworkCaseType, "Casework cases, oldest "
                                                       "first.")


async def case_page(info: Info, fetch: Any, first: int | None, after: str | None, **filters: Any) -> Any:
    limit = page_size(first)
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await fetch(conn, after_seq=decode_cursor("cc", after), limit=limit, **filters)
    edges = [CaseworkCaseEdge(cursor=encode_cursor("cc", r["seq"]), node=CaseworkCaseType.from_row(r))
             for r in rows[:limit]]
    return CaseworkCaseConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))


async def caseload_page(info: Info, station_id: UUID, *, status: Any, service: str | None,
                        social_worker_id: str | None, review_due: bool | None, first: int | None,
                        after: str | None) -> Any:
    return await case_page(info, caseload, first, after, station_id=station_id,
                           status=status.value if status else None,
                           service=service.strip().upper() if service else None, social_worker_id=social_worker_id,
                           review_due_by=business_date() if review_due else None)
