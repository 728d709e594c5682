"""GraphQL types of history and time travel: recorded events (stream history and audit log alike), an
aggregate as recorded at an instant, the diff between two instants, and what was in force on a date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from civicledger.core.auth import Scope
from civicledger.graphql.inspection.access_types import LIST_DEFAULT, LIST_MAX, ListAfter, ListFirst
from civicledger.graphql.inspection.common import events, payloads, record_reads
from civicledger.graphql.relay import connection, list_connection, node_ints, page_limit
from civicledger.inspection.history import RecordedEvent
from civicledger.inspection.payloads import MASKED
from civicledger.inspection.timetravel import Change
from civicledger.projections.base import kind_of, program_of


@strawberry.type(name="EventActor", description="Who recorded the event, from its metadata.")
class EventActorType:
    id: str | None = strawberry.field(description=("User id of who recorded it (a process's name for automatic "
                                                   "steps)."))
    role: str | None = strawberry.field(description="Their role then.")
    office: str | None = strawberry.field(description="Their office then.")
    district: str | None = strawberry.field(description="Their district then.")


@strawberry.type(name="RecordedEvent", description="One stored event with its full metadata. Personal fields "
                 "of the payload are masked unless the reader may see them (inspectors: with X-Access-Purpose).")
class RecordedEventType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="Position in the global log.")
    def position(self) -> int:
        return self.row["position"]

    @strawberry.field(description="The stream (aggregate) the event belongs to.")
    def stream_id(self) -> UUID:
        return self.row["stream_id"]

    @strawberry.field(description="Its version within the stream (1 for the first).")
    def stream_version(self) -> int:
        return self.row["stream_version"]

    @strawberry.field(description="The program whose module defines the event (residents, assistance, ...).")
    def program(self) -> str:
        return self.row["program"]

    @strawberry.field(description="The event class, e.g. Resident.DetailsCorrected.")
    def kind(self) -> str:
        return self.row["kind"]

    @strawberry.field(description="The event class's full topic (module:Class).")
    def topic(self) -> str:
        return self.row["topic"]

    @strawberry.field(description="When it was recorded (UTC).")
    def occurred_at(self) -> datetime:
        return self.row["occurred_at"]

    @strawberry.field(description="Who recorded it.")
    def actor(self) -> EventActorType:
        r = self.row
        return EventActorType(id=r["actor_id"], role=r["actor_role"], office=r["actor_office"],
                              district=r["actor_district"])

    @strawberry.field(description="Why, as given with the command.")
    def reason(self) -> str | None:
        return self.row["reason"]

    @strawberry.field(description="The request that caused it: ties together every event and read of one request.")
    def correlation_id(self) -> str | None:
        return self.row["correlation_id"]

    @strawberry.field(description="The event that caused it, when a process wrote it in reaction to another event.")
    def causation_id(self) -> str | None:
        return self.row["causation_id"]

    @strawberry.field(description="The command's idempotency key, if it had one.")
    def idempotency_key(self) -> str | None:
        return self.row["idempotency_key"]

    @strawberry.field(description="Where the command came from (API, a process, the CLI), informational.")
    def origin(self) -> str | None:
        return self.row["origin"]

    @strawberry.field(description="The stored per-stream chain hash (hex).")
    async def chain_hash(self, info: Info) -> str | None:
        if "chain_hash" in self.row:
            return self.row["chain_hash"].hex()
        event = await events(info).load(self.row["position"])
        return event.chain_hash.hex() if event else None

    @strawberry.field(description="The payload; personal fields masked (***), in clear for a reader who may see "
                      "them (the read is logged), or null once the resident's data has been erased.")
    async def payload(self, info: Info) -> JSON | None:
        shown = await payloads(info).load(self.row["position"])
        if shown is None:
            return None
        record_reads(info.context, shown.readable.revealed, shown.districts, prefix="event.")
        return shown.readable.payload

    @strawberry.field(description="Payload fields that hold personal data (sealed per resident).")
    async def personal_fields(self, info: Info) -> list[str]:
        shown = await payloads(info).load(self.row["position"])
        return list(shown.readable.personal_fields) if shown else []

    @strawberry.field(description="True when personal data in this event was erased (PIPL): the entry stays.")
    async def erased(self, info: Info) -> bool:
        shown = await payloads(info).load(self.row["position"])
        return bool(shown and shown.readable.erased)

    @classmethod
    def from_audit_row(cls, row: Any) -> RecordedEventType:
        return cls(uid=str(row["position"]), row=dict(row))

    @classmethod
    def from_event(cls, e: RecordedEvent) -> RecordedEventType:
        return cls(uid=str(e.position), row={
            "position": e.position, "stream_id": e.stream_id, "stream_version": e.version,
            "program": program_of(e.topic), "kind": kind_of(e.topic), "topic": e.topic,
            "occurred_at": e.occurred_at, **e.metadata, "chain_hash": e.chain_hash,
        })

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        info.context.principal.require(Scope.AUDIT)
        loaded = await events(info).load_many(node_ints(node_ids, "RecordedEvent"))
        return [cls.from_event(e) if e else None for e in loaded]


@strawberry.type(name="RecordedEventEdge")
class RecordedEventEdge:
    cursor: str
    node: RecordedEventType


@strawberry.type(name="RecordedEventConnection")
class RecordedEventConnection:
    edges: list[RecordedEventEdge]
    page_info: relay.PageInfo


@strawberry.type(name="StreamState", description="An aggregate as recorded at an instant: the state rebuilt "
                 "from its events up to then. Personal attributes are masked unless the reader may see them.")
class StreamStateType:
    stream_id: UUID = strawberry.field(description="The stream (aggregate).")
    type: str = strawberry.field(description="The aggregate type (Resident, Household, AssistanceCase ...).")
    type_topic: str = strawberry.field(description="The aggregate class's full topic.")
    version: int = strawberry.field(description="The stream's version at that instant.")
    position: int = strawberry.field(description="Global position of the last event applied.")
    recorded_at: datetime = strawberry.field(description="When that last event was recorded.")
    as_of: datetime = strawberry.field(description="The instant asked for.")
    erased: bool = strawberry.field(description="The resident's personal data has since been erased.")
    masked: bool = strawberry.field(description="Some personal attributes are masked (no stated purpose).")
    personal_fields: list[str] = strawberry.field(description="Attributes of `state` that hold personal data.")
    state: JSON = strawberry.field(description=("The aggregate's attributes as JSON; personal attributes masked "
                                                "(***) unless the reader may see them."))


@strawberry.type(description="One attribute that changed.", name="FieldChange")
class FieldChangeType:
    path: str = strawberry.field(description="Attribute name; nested objects use dotted paths.")
    before: JSON | None = strawberry.field(description="The value before (null: absent); *** when masked.")
    after: JSON | None = strawberry.field(description="The value after (null: removed); *** when masked.")

    @classmethod
    def of(cls, change: Change, *, masked: bool = False) -> FieldChangeType:
        if masked:
            return cls(path=change.path, before=None if change.before is None else MASKED,
                       after=None if change.after is None else MASKED)
        return cls(path=change.path, before=change.before, after=change.after)


FieldChangeEdge, FieldChangeConnection = connection("FieldChange", FieldChangeType, "The attributes a diff found "
                                                  "changed, by dotted path.")


@strawberry.type(name="StreamDiff", description="What changed in an aggregate between two instants.")
class StreamDiffType:
    stream_id: UUID = strawberry.field(description="The stream (aggregate).")
    type: str = strawberry.field(description="The aggregate type.")
    from_version: int = strawberry.field(description="0 when the stream did not exist yet.")
    to_version: int = strawberry.field(description="The stream's version at the later instant.")
    before: StreamStateType | None = strawberry.field(description=("The aggregate at the earlier instant (null: it "
                                                                   "did not exist yet)."))
    after: StreamStateType | None = strawberry.field(description="The aggregate at the later instant.")
    all_changes: strawberry.Private[list[FieldChangeType]]

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Every attribute that differs, by dotted "
                      "path in alphabetical order (pass an explicit `to` to page a diff that cannot move).")
    def changes(self, first: ListFirst = LIST_DEFAULT, after: ListAfter = None) -> FieldChangeConnection:
        return list_connection(FieldChangeEdge, FieldChangeConnection, self.all_changes, "dchg", first, after, None,
                               LIST_DEFAULT, LIST_MAX)


@strawberry.type(name="InForce", description="What an effective-dated aggregate, as recorded at `asOf`, held "
                 "to be in force on a business date.")
class InForceType:
    stream_id: UUID = strawberry.field(description="The aggregate's stream id.")
    type: str = strawberry.field(description="The aggregate's type, e.g. MealRuleTable.")
    on: date = strawberry.field(description="The business date asked about.")
    as_of: datetime = strawberry.field(description="The instant the record is read as of (UTC; default now).")
    recorded_version: int = strawberry.field(description="The stream's version as recorded at `asOf`.")
    values: JSON | None = strawberry.field(description="Null before the first effective date; every value is "
                                           "masked unless the reader may see the personal data of all the "
                                           "aggregate's subjects.")
