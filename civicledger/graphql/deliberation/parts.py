"""The parts of a deliberation item in GraphQL: participants, positions (a resident's statement masked by role),
votes and their tally, the decision, tasks, the supervision report and history entries; and the connections that
page them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from civicledger.graphql.deliberation.enums import (
    DecisionOutcomeEnum,
    OutcomeKindEnum,
    ParticipantKindEnum,
    StanceEnum,
    VoteChoiceEnum,
)
from civicledger.graphql.permissions import MASKED_TEXT, sees_personal_data
from civicledger.graphql.relay import connection
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.deliberation_items import items_by_ids

First = Annotated[int | None, strawberry.argument(description="Items per page: 1 to 100.")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
STATEMENT_RULE = ("What was said. A resident's statement is their personal data: masked (\"***\") unless the reader "
                  "may see the district's residents' data (its caseworkers and supervisors, integrators with the "
                  "personal scope, inspectors with a stated purpose); every unmasked read is logged; null once the "
                  "resident is erased.")


def json_list(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or [])


def items(info: Info) -> DataLoader[UUID, Any]:
    return info.context.loader("deliberation_items", items_by_ids)




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
ParticipantEdge, ParticipantConnection = connection("DeliberationParticipant", ParticipantType, "An item's "
                                                    "participants, in the order they joined.")
VoteEdge, VoteConnection = connection("DeliberationVote", VoteType, "The votes cast on an item, in order.")
