"""GraphQL types of community deliberation: the agenda item (a Relay node) with its participants, positions,
votes and their tally, decision, tasks, supervision report and history (their types in parts.py); and the outcome
statistics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.guangzhou import district_name
from civicledger.graphql.deliberation.enums import DecisionOutcomeEnum, OutcomeKindEnum, StageEnum, VoteChoiceEnum
from civicledger.graphql.deliberation.parts import (
    After,
    DecisionType,
    First,
    HistoryConnection,
    HistoryEdge,
    HistoryEntryType,
    OutcomeCountType,
    ParticipantConnection,
    ParticipantEdge,
    ParticipantType,
    PositionConnection,
    PositionEdge,
    PositionType,
    ReportType,
    TallyType,
    TaskType,
    VoteConnection,
    VoteEdge,
    VoteType,
    items,
    json_list,
)
from civicledger.graphql.relay import (
    connection,
    decode_cursor,
    encode_cursor,
    list_page,
    node_uuids,
    page_info,
    page_limit,
    page_size,
)
from civicledger.projections.deliberation_records import item_history, item_positions

PARTS_MAX, PARTS_DEFAULT = 200, 50  # an item has at most 200 participants (rules.MAX_PARTICIPANTS): one page holds all
PartsFirst = Annotated[int | None, strawberry.argument(description=f"Page size: 1 to {PARTS_MAX} (default "
                                                                   f"{PARTS_DEFAULT}).")]


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

    @strawberry.field(description=page_limit(PARTS_MAX, PARTS_DEFAULT) + "Its participants, in the order they "
                      "joined (an item has at most 200).")
    def participants(self, first: PartsFirst = PARTS_DEFAULT, after: After = None) -> ParticipantConnection:
        pairs, more = list_page(json_list(self.row["participants"]), "dq", first, after, PARTS_DEFAULT, PARTS_MAX)
        edges = [ParticipantEdge(cursor=c, node=ParticipantType(data=p)) for c, p in pairs]
        return ParticipantConnection(edges=edges, page_info=page_info(edges, more, after is not None))

    @strawberry.field(description=page_limit(PARTS_MAX, PARTS_DEFAULT) + "The votes cast, in order (at most one "
                      "per participant).")
    def votes(self, first: PartsFirst = PARTS_DEFAULT, after: After = None) -> VoteConnection:
        pairs, more = list_page(json_list(self.row["votes"]), "dv", first, after, PARTS_DEFAULT, PARTS_MAX)
        edges = [VoteEdge(cursor=c, node=VoteType(participant=v["participant"], choice=VoteChoiceEnum(v["choice"])))
                 for c, v in pairs]
        return VoteConnection(edges=edges, page_info=page_info(edges, more, after is not None))

    @strawberry.field(description="The votes counted.")
    def tally(self) -> TallyType:
        r = self.row
        return TallyType(votes_for=r["votes_for"], against=r["votes_against"], abstentions=r["abstentions"],
                         cast=r["votes_for"] + r["votes_against"] + r["abstentions"],
                         participants=len(json_list(r["participants"])))

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
                for t in json_list(self.row["tasks"])]

    @strawberry.field(description="The supervision report, once made.")
    def report(self) -> ReportType | None:
        r = self.row
        if r["report"] is None:
            return None
        return ReportType(report=r["report"], reported_on=r["reported_on"], outcomes=[
            OutcomeCountType(kind=OutcomeKindEnum(o["kind"]), count=o["count"]) for o in json_list(r["outcomes"])])

    @strawberry.field(description="Every event of the item (its stages and the steps within them), oldest first; "
                      "1 to 100 per page (default 50).")
    async def history(self, info: Info, first: First = 50, after: After = None) -> HistoryConnection:
        limit = page_size(first, default=50)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await item_history(conn, self.row["id"], after=decode_cursor("dh", after), limit=limit)
        edges = [HistoryEdge(cursor=encode_cursor("dh", r["position"]), node=HistoryEntryType(
            kind=r["kind"], details=json_list(r["details"]), actor_id=r["actor_id"], actor_role=r["actor_role"],
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


StatisticEdge, StatisticConnection = connection("DeliberationOutcomeStatistic", OutcomeStatisticType, "Outcome "
                                                "counts, by place and kind.")
