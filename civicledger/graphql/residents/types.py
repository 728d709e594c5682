"""GraphQL types of the registry: Resident, Household, Address, timeline entries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any
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


@strawberry.enum(name="Residency")
class ResidencyEnum(Enum):
    REGISTERED = "REGISTERED"
    NON_REGISTERED = "NON_REGISTERED"


@strawberry.enum(name="Gender")
class GenderEnum(Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"


@strawberry.enum(name="Relationship")
class RelationshipEnum(Enum):
    HEAD = "HEAD"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    PARENT = "PARENT"
    GRANDPARENT = "GRANDPARENT"
    GRANDCHILD = "GRANDCHILD"
    SIBLING = "SIBLING"
    CHILD_IN_LAW = "CHILD_IN_LAW"
    OTHER_RELATIVE = "OTHER_RELATIVE"
    OTHER = "OTHER"


@strawberry.type(name="Actor", description="Who did it: user id, role and office, from the event's metadata.")
class ActorType:
    id: str | None
    role: str | None
    office: str | None


@strawberry.type(name="TimelineEntry", description="One event that concerns the resident, from any program.")
class TimelineEntryType:
    occurred_at: datetime
    program: str
    kind: str
    summary: str
    actor: ActorType
    position: int = strawberry.field(description="Position of the event in the global log.")
    stream_id: UUID
    stream_version: int
    correlation_id: str | None

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
    district: str
    district_name: str
    street: str | None
    community: str | None
    masked: bool


@strawberry.type(name="Resident")
class ResidentType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The resident's UUID (the global `id` wraps it).")
    def resident_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field
    def name(self) -> str | None:
        return self.row["name"]  # type: ignore[no-any-return]

    @strawberry.field
    def gender(self) -> GenderEnum | None:
        return GenderEnum(self.row["gender"]) if self.row["gender"] else None

    @strawberry.field
    def residency(self) -> ResidencyEnum | None:
        return ResidencyEnum(self.row["residency"]) if self.row["residency"] else None

    @strawberry.field
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field
    def erased(self) -> bool:
        return bool(self.row["erased"])

    @strawberry.field
    def deceased_on(self) -> date | None:
        return self.row["deceased_on"]  # type: ignore[no-any-return]

    @strawberry.field
    def registered_at(self) -> datetime | None:
        return self.row["registered_at"]  # type: ignore[no-any-return]

    @strawberry.field
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

    @strawberry.field
    def address(self, info: Info) -> AddressType:
        revealed = self._reveal(info, "address")
        return AddressType(
            district=self.row["district"], district_name=district_name(self.row["district"]),
            street=self.row["street"] if revealed else (MASKED_TEXT if self.row["street"] else None),
            community=self.row["community"] if revealed else (MASKED_TEXT if self.row["community"] else None),
            masked=not revealed,
        )

    @strawberry.field
    async def household(self, info: Info) -> Annotated[HouseholdType, strawberry.lazy(
            "civicledger.graphql.residents.types")] | None:
        if not self.row["household_id"]:
            return None
        row = await info.context.loaders.household.load(self.row["household_id"])
        return HouseholdType.from_row(row) if row else None

    @strawberry.field(description=page_limit(200, 50) + "Everything that happened to this resident in any program, "
                                                        "newest first.")
    async def timeline(self, info: Info, first: int | None = 50, after: str | None = None,
                       programs: list[str] | None = None, since: datetime | None = None,
                       until: datetime | None = None) -> TimelineConnection:
        limit = page_size(first, default=50, maximum=200)
        before = decode_cursor("t", after)
        if self.row.get("as_of") is not None:  # a resident as recorded at an instant: the timeline up to it
            until = min(until, self.row["as_of"]) if until else self.row["as_of"]
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await timeline_page(conn, self.row["id"], before=before, limit=limit, programs=programs,
                                       since=since, until=until)
        return timeline_connection(rows, limit, has_previous=before is not None)

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


@strawberry.type(name="HouseholdMember")
class HouseholdMemberType:
    relationship: RelationshipEnum
    resident_id: UUID

    @strawberry.field
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.resident_id)
        return ResidentType.from_row(row) if row else None


@strawberry.type(name="Household")
class HouseholdType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field
    def household_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field
    def size(self) -> int:
        return self.row["size"]  # type: ignore[no-any-return]

    @strawberry.field
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field
    async def head(self, info: Info) -> ResidentType | None:
        if not self.row["head_id"]:
            return None
        row = await info.context.loaders.resident.load(self.row["head_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field
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
