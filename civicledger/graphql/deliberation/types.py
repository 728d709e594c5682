"""GraphQL types of community deliberation: the agenda item (a Relay node) with its participants, positions,
votes and their tally, decision, tasks, supervision report and history; and the outcome statistics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from civicledger.core.guangzhou import district_name
from civicledger.graphql.deliberation.enums import (
    DecisionOutcomeEnum,
    OutcomeKindEnum,
    ParticipantKindEnum,
    StageEnum,
    StanceEnum,
    VoteChoiceEnum,
)
from civicledger.graphql.permissions import MASKED_TEXT, sees_personal_data
from civicledger.graphql.relay import decode_cursor, encode_cursor, node_uuids, page_info, page_size
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.deliberation_items import items_by_ids
from civicledger.projections.deliberation_records import item_history, item_positions

First = Annotated[int | None, strawberry.argument(description="Items per page: 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
STATEMENT_RULE = ("What was said. A resident's statement is their personal data: masked (\"***\") unless the reader "
                  "may see the district's residents' data (its caseworkers and supervisors, integrators with the "
                  "personal scope, inspectors with a stated purpose); every unmasked read is logged; null once the "
                  "resident is erased.")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or [])


def items(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("deliberation_items", items_by_ids)


def connection(name: str, node: type, description: str) -> tuple[type, type]:
    """A keyset page's Edge and Connection types for `node` (one shape for every deliberation list)."""
    edge = strawberry.type(type(f"{name}Edge", (), {
        "__annotations__": {"cursor": str, "node": node}, "__module__": __name__,
        "cursor": strawberry.field(description="Opaque; pass as `after` for the next page."),
        "node": strawberry.field(description="The item.")}), name=f"{name}Edge", description="One item of a page.")
    conn = strawberry.type(type(f"{name}Connection", (), {
        "__annotations__": {"edges": list[edge], "page_info": relay.PageInfo},  # type: ignore[valid-type]
        "__module__": __name__, "edges": strawberry.field(description="The page's items, in order."),
        "page_info": strawberry.field(description="Whether more follow, and the cursors.")}),
        name=f"{name}Connection", description=description)
    return edge, conn


@strawberry.type(name="DeliberationParticipant", description="Who takes part in an item, numbered from 1 in the "
                 "order they joined. Residents take part by their resident id; others by the name the minutes give.")
class ParticipantType:
    data: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="Its number within the item (what positions and votes name).")
    def number(self) -> int:
        return int(self.data["number"])

    @strawberry.field(description="Who they are.")
    def kind(self) -> ParticipantKindEnum:
        return ParticipantKindEnum(self.data["kind"])

    @strawberry.field(description="The name the minutes give (a company, an office, a lawyer, a member); null for "
                      "a participant linked to a resident (see `resident`).")
    def name(self) -> str | None:
        return self.data.get("name")

    @strawberry.field(description="The Resident's global id, for a participant who is a resident.")
    def resident_id(self) -> strawberry.ID | None:
        rid = self.data.get("residentId")
        return strawberry.ID(str(relay.GlobalID("Resident", rid))) if rid else None

    @strawberry.field(description="The resident (their personal data masked by the usual rule).")
    async def resident(self, info: Info) -> ResidentType | None:
        rid = self.data.get("residentId")
        if not rid:
            return None
        row = await info.context.loaders.resident.load(UUID(rid))
        return ResidentType.from_row(row) if row else None


@strawberry.type(name="DeliberationVote", description="One participant's one vote.")
class VoteType:
    participant: int = strawberry.field(description="The participant's number.")
    choice: VoteChoiceEnum = strawberry.field(description="How they voted.")


@strawberry.type(name="DeliberationTally", description="The votes cast in consultation, counted.")
class TallyType:
    votes_for: int = strawberry.field(name="for", description="Votes for.")
    against: int = strawberry.field(description="Votes against.")
    abstentions: int = strawberry.field(description="Abstentions.")
    cast: int = strawberry.field(description="Votes cast (each participant votes at most once).")
    participants: int = strawberry.field(description="Participants who could vote.")


@strawberry.type(name="DeliberationPosition", description="A position stated in consultation.")
class PositionType:
    row: strawberry.Private[Any]

    @strawberry.field(description="1, 2, ... in the order stated.")
    def number(self) -> int:
        return self.row["number"]

    @strawberry.field(description="The participant's number.")
    def participant(self) -> int:
        return self.row["participant"]

    @strawberry.field(description="For, against, or on conditions.")
    def stance(self) -> StanceEnum:
        return StanceEnum(self.row["stance"])

    @strawberry.field(description=STATEMENT_RULE)
    def statement(self, info: Info) -> str | None:
        value, resident = self.row["statement"], self.row["resident_id"]
        if value is None or resident is None:
            return value
        ctx = info.context
        if self.row["erased"] or not sees_personal_data(ctx.principal, self.row["district"], ctx.purpose):
            return MASKED_TEXT
        ctx.record_read(resident, self.row["district"], "deliberationStatement")
        return value

    @strawberry.field(description="When it was recorded (UTC).")
    def stated_at(self) -> datetime:
        return self.row["stated_at"]


@strawberry.type(name="DeliberationDecision", description="What the decision stage decided, on what basis, with "
                 "the tally it followed.")
class DecisionType:
    outcome: DecisionOutcomeEnum = strawberry.field(description="Adopted or rejected.")
    basis: str = strawberry.field(description="The basis of the decision (at most 2,000 characters).")
    decided_on: date = strawberry.field(description="The day it was decided.")


@strawberry.type(name="DeliberationTask", description="An execution task, numbered from 1.")
class TaskType:
    number: int = strawberry.field(description="Its number within the item.")
    title: str = strawberry.field(description="What is to be done (at most 200 characters).")
    assignee: str = strawberry.field(description="Who does it (at most 120 characters).")
    due_on: date = strawberry.field(description="By when.")
    done: bool = strawberry.field(description="Whether it is done.")
    note: str | None = strawberry.field(description="What was done (once done).")
    completed_on: date | None = strawberry.field(description="The day it was done.")


@strawberry.type(name="DeliberationOutcomeCount", description="How many of one kind of outcome.")
class OutcomeCountType:
    kind: OutcomeKindEnum = strawberry.field(description="The kind of outcome.")
    count: int = strawberry.field(description="How many (1 to 10,000 per item).")


@strawberry.type(name="DeliberationReport", description="The supervision report that concludes an adopted item.")
class ReportType:
    report: str = strawberry.field(description="What supervision found (at most 2,000 characters).")
    reported_on: date = strawberry.field(description="The day of the report.")
    outcomes: list[OutcomeCountType] = strawberry.field(description="What the item achieved, by kind (at most 4).")


@strawberry.type(name="DeliberationHistoryEntry", description="One event of the item: what, who, from which office, "
                 "why, when — and its fields that are not personal data.")
class HistoryEntryType:
    kind: str = strawberry.field(description="The event, e.g. AgendaItem.Prepared.")
    details: strawberry.scalars.JSON = strawberry.field(description="Its fields that are not personal data.")
    actor_id: str | None = strawberry.field(description="Who (user id).")
    actor_role: str | None = strawberry.field(description="Their role.")
    actor_office: str | None = strawberry.field(description="Their office.")
    reason: str | None = strawberry.field(description="Why, as the actor said.")
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    position: int = strawberry.field(description="The event's position in the global log.")


PositionEdge, PositionConnection = connection("DeliberationPosition", PositionType, "Positions, in the order stated.")
HistoryEdge, HistoryConnection = connection("DeliberationHistory", HistoryEntryType, "An item's events, oldest "
                                            "first.")


@strawberry.type(name="DeliberationItem", description="An agenda item (议题) of a community's deliberation, from "
                 "topic collection to supervision.")
class ItemType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The item's UUID (the global `id` wraps it).")
    def item_id(self) -> UUID:
        return self.row["id"]

    @strawberry.field(description="The district code, e.g. HAIZHU.")
    def district(self) -> str:
        return self.row["district"]

    @strawberry.field(description="The district's Chinese name, e.g. 海珠区.")
    def district_name(self) -> str:
        return district_name(self.row["district"])

    @strawberry.field(description="The street (街) or town (镇).")
    def street(self) -> str:
        return self.row["street"]

    @strawberry.field(description="The community (社区) or village (村).")
    def community(self) -> str:
        return self.row["community"]

    @strawberry.field(description="The topic (at most 200 characters).")
    def title(self) -> str:
        return self.row["title"]

    @strawberry.field(description="What it is about (at most 2,000 characters).")
    def description(self) -> str:
        return self.row["description"]

    @strawberry.field(description="The stage it has reached.")
    def stage(self) -> StageEnum:
        return StageEnum(self.row["stage"])

    @strawberry.field(description="True once rejected at its decision or reported on in supervision: it never "
                      "changes again.")
    def concluded(self) -> bool:
        return bool(self.row["concluded"])

    @strawberry.field(description="The day the topic was collected.")
    def proposed_on(self) -> date:
        return self.row["proposed_on"]

    @strawberry.field(description="The draft plan of preparation.")
    def plan(self) -> str | None:
        return self.row["plan"]

    @strawberry.field(description="The day of the consultation meeting, as prepared.")
    def meeting_on(self) -> date | None:
        return self.row["meeting_on"]

    @strawberry.field(description="Its participants, in the order they joined (at most 200).")
    def participants(self) -> list[ParticipantType]:
        return [ParticipantType(data=p) for p in _json(self.row["participants"])]

    @strawberry.field(description="The votes cast, in order (at most one per participant).")
    def votes(self) -> list[VoteType]:
        return [VoteType(participant=v["participant"], choice=VoteChoiceEnum(v["choice"]))
                for v in _json(self.row["votes"])]

    @strawberry.field(description="The votes counted.")
    def tally(self) -> TallyType:
        r = self.row
        return TallyType(votes_for=r["votes_for"], against=r["votes_against"], abstentions=r["abstentions"],
                         cast=r["votes_for"] + r["votes_against"] + r["abstentions"],
                         participants=len(_json(r["participants"])))

    @strawberry.field(description="Positions stated in consultation, in order; 1 to 100 per page (default 20).")
    async def positions(self, info: Info, first: First = 20, after: After = None) -> PositionConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await item_positions(conn, self.row["id"], after=decode_cursor("dp", after), limit=limit)
        edges = [PositionEdge(cursor=encode_cursor("dp", r["number"]), node=PositionType(row=r)) for r in rows[:limit]]
        return PositionConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(description="The decision, once made.")
    def decision(self) -> DecisionType | None:
        r = self.row
        if r["decision"] is None:
            return None
        return DecisionType(outcome=DecisionOutcomeEnum(r["decision"]), basis=r["basis"], decided_on=r["decided_on"])

    @strawberry.field(description="The execution tasks (at most 20), by number.")
    def tasks(self) -> list[TaskType]:
        return [TaskType(number=t["number"], title=t["title"], assignee=t["assignee"],
                         due_on=date.fromisoformat(t["dueOn"]), done=t["done"], note=t["note"],
                         completed_on=date.fromisoformat(t["completedOn"]) if t["completedOn"] else None)
                for t in _json(self.row["tasks"])]

    @strawberry.field(description="The supervision report, once made.")
    def report(self) -> ReportType | None:
        r = self.row
        if r["report"] is None:
            return None
        return ReportType(report=r["report"], reported_on=r["reported_on"], outcomes=[
            OutcomeCountType(kind=OutcomeKindEnum(o["kind"]), count=o["count"]) for o in _json(r["outcomes"])])

    @strawberry.field(description="Every event of the item (its stages and the steps within them), oldest first; "
                      "1 to 100 per page (default 50).")
    async def history(self, info: Info, first: First = 50, after: After = None) -> HistoryConnection:
        limit = page_size(first, default=50)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await item_history(conn, self.row["id"], after=decode_cursor("dh", after), limit=limit)
        edges = [HistoryEdge(cursor=encode_cursor("dh", r["position"]), node=HistoryEntryType(
            kind=r["kind"], details=_json(r["details"]), actor_id=r["actor_id"], actor_role=r["actor_role"],
            actor_office=r["actor_office"], reason=r["reason"], occurred_at=r["occurred_at"],
            position=r["position"])) for r in rows[:limit]]
        return HistoryConnection(edges=edges, page_info=page_info(edges, len(rows) > limit, after is not None))

    @strawberry.field(description="The item stream's version (pass as expectedVersion).")
    def version(self) -> int:
        return self.row["version"]

    @classmethod
    def from_row(cls, row: Any) -> ItemType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await items(info).load_many(node_uuids(node_ids, "DeliberationItem"))
        return [cls.from_row(r) if r else None for r in rows]


ItemEdge, ItemConnection = connection("DeliberationItem", ItemType, "Agenda items, oldest first.")


@strawberry.type(name="DeliberationOutcomeStatistic", description="What supervised items achieved in one street "
                 "(or one community of it), of one kind.")
class OutcomeStatisticType:
    street: str = strawberry.field(description="The street (街) or town (镇).")
    community: str | None = strawberry.field(description="The community, when counted per community (null when "
                                             "counted per street).")
    kind: OutcomeKindEnum = strawberry.field(description="The kind of outcome.")
    total: int = strawberry.field(description="How many, summed over the supervised items.")
    items: int = strawberry.field(description="How many supervised items reported this kind.")
