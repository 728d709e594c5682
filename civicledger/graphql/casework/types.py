"""GraphQL types of social-work casework: the catalogue of services and special projects, and stations (Relay
nodes) with their social workers and caseload. Cases are in case_types.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.guangzhou import district_name
from civicledger.domains.casework import catalogue
from civicledger.graphql.casework import access
from civicledger.graphql.relay import connection, list_connection, page_limit

CASE_TYPES = "civicledger.graphql.casework.case_types"

if TYPE_CHECKING:
    from civicledger.graphql.casework.case_types import CaseworkCaseConnection


@strawberry.enum(name="CaseworkServiceKind", description="A station service or a special project.")
class ServiceKindEnum(Enum):
    STATION = strawberry.enum_value("STATION", description="A service every station (家综) runs.")
    SPECIAL_PROJECT = strawberry.enum_value("SPECIAL_PROJECT", description="One of the 15 special projects (专项).")


@strawberry.enum(name="CaseworkStationLevel", description="Which level a station works at.")
class StationLevelEnum(Enum):
    STREET = strawberry.enum_value("STREET", description="A street's (or town's) station: 街(镇)级社工站/家综.")
    COMMUNITY = strawberry.enum_value("COMMUNITY", description="A community's station: 社区级社工站.")


@strawberry.enum(name="CaseworkCaseStatus", description="A case's stage, in order.")
class CaseStatusEnum(Enum):
    INTAKE = strawberry.enum_value("INTAKE", description="Taken in, not yet assessed.")
    ASSESSED = strawberry.enum_value("ASSESSED", description="Assessed, no service plan yet.")
    IN_SERVICE = strawberry.enum_value("IN_SERVICE", description="Working to an agreed service plan.")
    CLOSED = strawberry.enum_value("CLOSED", description="Closed with an outcome per goal; never changes again.")


# Arguments, described once.
First = Annotated[int | None, strawberry.argument(description="Items per page: 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
# The lists kept whole in a station's or case's row (its social workers, the stations a case was held by before):
# pages of at most
# 200, 20 by default (a nested list costs its page size in a request's cost estimate).
LIST_MAX, LIST_DEFAULT = 200, 20
ListFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {LIST_MAX} (default "
                                                                  f"{LIST_DEFAULT}).")]
StatusFilter = Annotated[CaseStatusEnum | None, strawberry.argument(description="Only cases at this stage.")]
ServiceFilter = Annotated[str | None, strawberry.argument(description="Only this service or project (its code).")]
WorkerFilter = Annotated[str | None, strawberry.argument(description="Only cases this social worker holds.")]
ReviewDueFilter = Annotated[bool | None, strawberry.argument(
    description="true: only cases whose next review is due today or earlier.")]


@strawberry.type(name="CaseworkService", description="A service of the stations (family, elder, youth) or one of "
                 "the 15 special projects. Codes are stable; four projects are named in the bureau's account, "
                 "seven come from its 社工+ fields, four are our reading (`namedInAccount: false`).")
class ServiceType:
    code: str = strawberry.field(description="Stable code, e.g. ELDER, BEREAVED_PARENTS.")
    kind: ServiceKindEnum = strawberry.field(description="A station service or a special project.")
    label: str = strawberry.field(description="English label.")
    label_zh: str = strawberry.field(description="Chinese label, e.g. 失独老人服务.")
    named_in_account: bool = strawberry.field(description="Named in the bureau's account (false: our reading).")


def service_type(code: str) -> ServiceType:
    s = catalogue.BY_CODE[code]
    return ServiceType(code=s.code, kind=ServiceKindEnum(s.kind.value), label=s.label, label_zh=s.label_zh,
                       named_in_account=s.named_in_account)


def services() -> list[ServiceType]:
    return [service_type(s.code) for s in catalogue.SERVICES]


async def _nodes(cls: Any, loader: Any, node_ids: Iterable[str]) -> list[Any]:
    rows = await loader.load_many([UUID(i) for i in node_ids])
    return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="CaseworkSocialWorker", description="A social worker on a station's staff list.")
class SocialWorkerType:
    staff_id: str = strawberry.field(description="The social worker's user id (the subject of their token).")
    title: str = strawberry.field(description="Their job title, e.g. 社工, 督导.")


SocialWorkerEdge, SocialWorkerConnection = connection("CaseworkSocialWorker", SocialWorkerType, "A station's social "
                                                      "workers, in the order they joined.")


@strawberry.type(name="CaseworkStation", description="A social-work station (社工站/家综): what it runs, its social "
                 "workers (those on the list, and everyone whose token names its office) and its caseload.")
class StationType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The station's UUID (the global `id` wraps it).")
    def station_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The station's name, e.g. 江海街家庭综合服务中心.")
    def name(self) -> str:
        return self.row["name"]

    @strawberry.field(description="Street- or community-level.")
    def level(self) -> StationLevelEnum:
        return StationLevelEnum(self.row["level"])

    @strawberry.field(description="The district code, e.g. HAIZHU.")
    def district(self) -> str:
        return self.row["district"]

    @strawberry.field(description="The district's Chinese name, e.g. 海珠区.")
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field(description="The street (街) or town (镇) it serves.")
    def street(self) -> str:
        return self.row["street"]

    @strawberry.field(description="The community a community-level station serves.")
    def community(self) -> str | None:
        return self.row["community"]

    @strawberry.field(description="Every principal whose token names this office is one of its social workers.")
    def office(self) -> str:
        return self.row["office"]

    @strawberry.field(description="The services and special projects it runs (at most 18).")
    def services(self) -> list[ServiceType]:
        return [service_type(code) for code in _json(self.row["services"])]

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The social workers on its staff list, in "
                      "the order they joined (a removal takes one out of the list: page again from the start after "
                      "one).")
    def social_workers(self, first: ListFirst = LIST_DEFAULT, after: After = None) -> SocialWorkerConnection:
        return list_connection(SocialWorkerEdge, SocialWorkerConnection, _json(self.row["social_workers"]), "cwork",
                               first, after, lambda w: SocialWorkerType(staff_id=w["staffId"], title=w["title"]),
                               LIST_DEFAULT, LIST_MAX)

    @strawberry.field(description="The cases it holds now, oldest first, filtered by status, service (code), "
                      "social worker, and `reviewDue: true` (the next review due today or earlier); 1 to 100 per "
                      "page (default 20).")
    async def caseload(self, info: Info, status: StatusFilter = None, service: ServiceFilter = None,
                       social_worker_id: WorkerFilter = None, review_due: ReviewDueFilter = None, first: First = 20,
                       after: After = None) -> Annotated[CaseworkCaseConnection, strawberry.lazy(CASE_TYPES)]:
        from civicledger.graphql.casework.case_types import caseload_page

        return await caseload_page(info, self.row["id"], status=status, service=service,
                                   social_worker_id=social_worker_id, review_due=review_due, first=first, after=after)

    @strawberry.field(description="The station stream's version (pass as expectedVersion).")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> StationType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        return await _nodes(cls, access.stations(info), node_ids)


async def station(info: Info, station_id: UUID | None) -> StationType | None:
    if station_id is None:
        return None
    row = await access.stations(info).load(station_id)
    return StationType.from_row(row) if row else None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or [])
