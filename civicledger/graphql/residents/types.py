"""GraphQL types of the registry: Resident, Household, Address, timeline entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.guangzhou import district_name
from civicledger.core.timeline import TimelineEntry  # noqa: F401  (documentation link)
from civicledger.graphql.permissions import (
    MASKED_TEXT,
    mask_id_number,
    mask_phone,
    reveal_resident,
)
from civicledger.graphql.relay import decode_cursor, encode_cursor, node_uuids, page_info, page_limit, page_size
from civicledger.projections.client_timeline import timeline_page

if TYPE_CHECKING:
    from civicledger.graphql.marriage.types import MaritalStatusType


@strawberry.enum(description="Whether the resident's household registration (户籍) is in Guangzhou.", name="Residency")
class ResidencyEnum(Enum):
    REGISTERED = strawberry.enum_value("REGISTERED", description="Registered here (户籍人口).")
    NON_REGISTERED = strawberry.enum_value("NON_REGISTERED", description=("Living here, registered elsewhere "
                                                                          "(非户籍常住人口)."))


@strawberry.enum(description="Gender as recorded from the ID number.", name="Gender")
class GenderEnum(Enum):
    MALE = strawberry.enum_value("MALE", description="Male (an odd 17th digit of the ID number).")
    FEMALE = strawberry.enum_value("FEMALE", description="Female (an even 17th digit of the ID number).")


@strawberry.enum(description="A member's relationship to the head of the household (户主).", name="Relationship")
class RelationshipEnum(Enum):
    HEAD = strawberry.enum_value("HEAD", description="The head of the household.")
    SPOUSE = strawberry.enum_value("SPOUSE", description="The head's husband or wife.")
    CHILD = strawberry.enum_value("CHILD", description="A son or daughter of the head.")
    PARENT = strawberry.enum_value("PARENT", description="A father or mother of the head.")
    GRANDPARENT = strawberry.enum_value("GRANDPARENT", description="A grandparent of the head.")
    GRANDCHILD = strawberry.enum_value("GRANDCHILD", description="A grandchild of the head.")
    SIBLING = strawberry.enum_value("SIBLING", description="A brother or sister of the head.")
    CHILD_IN_LAW = strawberry.enum_value("CHILD_IN_LAW", description="A son- or daughter-in-law of the head.")
    OTHER_RELATIVE = strawberry.enum_value("OTHER_RELATIVE", description="Another relative of the head.")
    OTHER = strawberry.enum_value("OTHER", description="Not a relative (e.g. a live-in carer).")


@strawberry.type(name="Actor", description="Who did it: user id, role and office, from the event's metadata.")
class ActorType:
    id: str | None = strawberry.field(description=("The user id of who did it (from the bearer token; a process's "
                                                   "name for automatic steps)."))
    role: str | None = strawberry.field(description="Their role then (caseworker, supervisor, ...).")
    office: str | None = strawberry.field(description="Their office then (a station, a street office, the bureau).")


@strawberry.type(name="TimelineEntry", description="One event that concerns the resident, from any program.")
class TimelineEntryType:
    occurred_at: datetime = strawberry.field(description=("When it happened (the event's time, ISO 8601 with "
                                                          "offset)."))
    program: str = strawberry.field(description=("The program that recorded it (residents, assistance, linkage, "
                                                 "casework, meals ...)."))
    kind: str = strawberry.field(description="The event's kind, e.g. ResidentRegistered, AssistanceApproved.")
    summary: str = strawberry.field(description=("One line for a caseworker; never holds personal data of anyone "
                                                 "else."))
    actor: ActorType = strawberry.field(description="Who did it.")
    position: int = strawberry.field(description="Position of the event in the global log.")
    stream_id: UUID = strawberry.field(description=("The case, household or resident record (stream) the event "
                                                    "belongs to: read it with streamHistory."))
    stream_version: int = strawberry.field(description="The event's version within that stream.")
    correlation_id: str | None = strawberry.field(description=("The request that caused it (X-Correlation-Id): ties "
                                                               "the entries of one request together."))

    @classmethod
    def from_row(cls, row: Any) -> TimelineEntryType:
        return cls(
            occurred_at=row["occurred_at"], program=row["program"], kind=row["kind"], summary=row["summary"],
            actor=ActorType(id=row["actor_id"], role=row["actor_role"], office=row["actor_office"]),
            position=row["position"], stream_id=row["stream_id"], stream_version=row["stream_version"],
            correlation_id=row["correlation_id"],
        )


@strawberry.type(name="TimelineEdge")
class TimelineEdge:
    cursor: str
    node: TimelineEntryType


@strawberry.type(name="TimelineConnection")
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: relay.PageInfo


@strawberry.type(name="Address", description="Street and community are masked unless the reader may see them.")
class AddressType:
    district: str = strawberry.field(description="District code (e.g. HAIZHU); never masked.")
    district_name: str = strawberry.field(description="The district's Chinese name (e.g. 海珠区); never masked.")
    street: str | None = strawberry.field(description=("The street (街道); masked (***) unless the reader may see "
                                                       "personal data."))
    community: str | None = strawberry.field(description=("The community (社区); masked (***) unless the reader may "
                                                          "see personal data."))
    masked: bool = strawberry.field(description="True when street and community were masked for this reader.")


@strawberry.type(description=("A person in the registry. Name and district are shown to every reader who may"
                              " see the resident; ID number, phone, birth date and address are masked unless the"
                              " reader may see personal data (each such read is logged); after an erasure they are"
                              " null."),
                 name="Resident")
class ResidentType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The resident's UUID (the global `id` wraps it).")
    def resident_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="Full name (null after an erasure).")
    def name(self) -> str | None:
        return self.row["name"]  # type: ignore[no-any-return]

    @strawberry.field(description="From the ID number.")
    def gender(self) -> GenderEnum | None:
        return GenderEnum(self.row["gender"]) if self.row["gender"] else None

    @strawberry.field(description="Registered here or not (户籍).")
    def residency(self) -> ResidencyEnum | None:
        return ResidencyEnum(self.row["residency"]) if self.row["residency"] else None

    @strawberry.field(description=("District code where the resident lives (e.g. HAIZHU): decides which district's "
                                   "staff may see them."))
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description=("The resident record's version: send it as expectedVersion to correct or move "
                                   "them."))
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description=("True once the resident's personal data was erased (PIPL): personal fields read "
                                   "as null, history stays."))
    def erased(self) -> bool:
        return bool(self.row["erased"])

    @strawberry.field(description="Date of death, when recorded.")
    def deceased_on(self) -> date | None:
        return self.row["deceased_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="When the resident was registered in this system.")
    def registered_at(self) -> datetime | None:
        return self.row["registered_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Their relationship to the head of their household, if in one.")
    def relationship_to_head(self) -> RelationshipEnum | None:
        return RelationshipEnum(self.row["relationship"]) if self.row["relationship"] else None

    def _reveal(self, info: Info, field: str) -> bool:
        return reveal_resident(info.context, self.row, field)

    @strawberry.field(description="Masked (440***********1234) unless the reader may see personal data.")
    def id_number(self, info: Info) -> str | None:
        value = self.row["id_number"]
        return value if self._reveal(info, "idNumber") else mask_id_number(value)

    @strawberry.field(description="Masked unless the reader may see personal data.")
    def phone(self, info: Info) -> str | None:
        value = self.row["phone"]
        return value if self._reveal(info, "phone") else mask_phone(value)

    @strawberry.field(description="Only the year unless the reader may see personal data.")
    def birth_date(self, info: Info) -> str | None:
        value = self.row["birth_date"]
        if value is None:
            return None
        return value.isoformat() if self._reveal(info, "birthDate") else f"{value.year}"

    @strawberry.field(description=("Where the resident lives; street and community masked unless the reader may see "
                                   "personal data."))
    def address(self, info: Info) -> AddressType:
        revealed = self._reveal(info, "address")
        return AddressType(
            district=self.row["district"], district_name=district_name(self.row["district"]),
            street=self.row["street"] if revealed else (MASKED_TEXT if self.row["street"] else None),
            community=self.row["community"] if revealed else (MASKED_TEXT if self.row["community"] else None),
            masked=not revealed,
        )

    @strawberry.field(description="The household the resident belongs to, if any.")
    async def household(self, info: Info) -> Annotated[HouseholdType, strawberry.lazy(
            "civicledger.graphql.residents.types")] | None:
        if not self.row["household_id"]:
            return None
        row = await info.context.loaders.household.load(self.row["household_id"])
        return HouseholdType.from_row(row) if row else None

    @strawberry.field(description=page_limit(200, 50) + "Everything that happened to this resident in any program, "
                                                        "newest first.")
    async def timeline(
        self, info: Info,
        first: int | None = 50,
        after: str | None = None,
        programs: Annotated[list[str] | None, strawberry.argument(
                description="Only entries of these programs (e.g. [\"assistance\", \"meals\"]); omitted: all.")] = None,
        since: Annotated[datetime | None, strawberry.argument(
                description="Only entries at or after this instant.")] = None,
        until: Annotated[datetime | None, strawberry.argument(
                description="Only entries before this instant.")] = None,
    ) -> TimelineConnection:
        limit = page_size(first, default=50, maximum=200)
        before = decode_cursor("t", after)
        if self.row.get("as_of") is not None:  # a resident as recorded at an instant: the timeline up to it
            until = min(until, self.row["as_of"]) if until else self.row["as_of"]
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await timeline_page(conn, self.row["id"], before=before, limit=limit, programs=programs,
                                       since=since, until=until)
        return timeline_connection(rows, limit, has_previous=before is not None)

    @strawberry.field(description="Marital status per the marriage registry on `on` (default: today; for a "
                                  "resident asked `asOf` an instant: that instant's date, as recorded then). Null "
                                  "unless the reader may see personal data.")
    async def marital_status(self, info: Info, on: Annotated[date | None, strawberry.argument(
            description="The business date (Asia/Shanghai) the status is for.")] = None) -> Annotated[
            MaritalStatusType, strawberry.lazy("civicledger.graphql.marriage.types")] | None:
        from civicledger.graphql.marriage.status import marital_status_of

        return await marital_status_of(info, self.row, on)

    @classmethod
    def from_row(cls, row: Any) -> ResidentType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loaders.resident.load_many(node_uuids(node_ids, "Resident"))
        return [cls.from_row(r) if r else None for r in rows]


def timeline_connection(rows: list[Any], limit: int, *, has_previous: bool) -> TimelineConnection:
    has_next = len(rows) > limit
    rows = rows[:limit]
    edges = [TimelineEdge(cursor=encode_cursor("t", r["position"]), node=TimelineEntryType.from_row(r))
             for r in rows]
    return TimelineConnection(
        edges=edges,
        page_info=page_info(edges, has_next, has_previous),
    )


@strawberry.type(description="One member of a household.", name="HouseholdMember")
class HouseholdMemberType:
    relationship: RelationshipEnum = strawberry.field(description="Relationship to the head.")
    resident_id: UUID = strawberry.field(description="The member's resident UUID.")

    @strawberry.field(description="The member's resident record (masked for this reader as any resident).")
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.resident_id)
        return ResidentType.from_row(row) if row else None


@strawberry.type(description="A household (户): a head and members, the unit in which assistance is assessed.",
                 name="Household")
class HouseholdType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The household's UUID (the global id wraps it).")
    def household_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="District code of the household (the head's).")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="Number of members, the head included.")
    def size(self) -> int:
        return self.row["size"]  # type: ignore[no-any-return]

    @strawberry.field(description="The household's version: send it as expectedVersion to change its members.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description="The head of the household (户主).")
    async def head(self, info: Info) -> ResidentType | None:
        if not self.row["head_id"]:
            return None
        row = await info.context.loaders.resident.load(self.row["head_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="Every member, the head included, with their relationship to the head.")
    def members(self) -> list[HouseholdMemberType]:
        import json

        members = self.row["members"]
        if isinstance(members, str):
            members = json.loads(members)
        return [HouseholdMemberType(relationship=RelationshipEnum(m["relationship"]),
                                    resident_id=UUID(m["residentId"])) for m in members]

    @classmethod
    def from_row(cls, row: Any) -> HouseholdType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loaders.household.load_many(node_uuids(node_ids, "Household"))
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="ResidentEdge")
class ResidentEdge:
    cursor: str
    node: ResidentType


@strawberry.type(name="ResidentConnection")
class ResidentConnection:
    edges: list[ResidentEdge]
    page_info: relay.PageInfo
