"""What deliberation mutations take: each input turns itself into its command (`to_command()`: global ids to
stream ids, enums to values); texts are cleaned and bounded by the service."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.deliberation import commands as c
from civicledger.graphql.deliberation.enums import (
    DecisionOutcomeEnum,
    OutcomeKindEnum,
    ParticipantKindEnum,
    StanceEnum,
    VoteChoiceEnum,
)
from civicledger.graphql.relay import uuid_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."
ITEM = "The DeliberationItem."
VERSION = "The item's version you saw: a stale one is CONFLICT and writes nothing."
REASON = "Why (at most 2,000 characters), written into the event's metadata."


def _item(raw: strawberry.ID) -> object:
    return uuid_of(raw, "DeliberationItem")


@strawberry.input(name="ProposeDeliberationItemInput", description="Topic collection: the staff of the district "
                  "(caseworkers, supervisors) or an integrator.")
class ProposeInput:
    district: str = strawberry.field(description="District code (HAIZHU) or name (海珠区).")
    street: str = strawberry.field(description="A street of the district, as the reference data spells it.")
    community: str = strawberry.field(description="The community or village (at most 60 characters).")
    title: str = strawberry.field(description="The topic (at most 200 characters).")
    description: str = strawberry.field(description="What it is about (at most 2,000 characters).")
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ProposeAgendaItem:
        return c.ProposeAgendaItem(self.district, self.street, self.community, self.title, self.description)


@strawberry.input(name="PrepareDeliberationItemInput", description="Preparation, right after topic collection.")
class PrepareInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    plan: str = strawberry.field(description="The draft plan (at most 2,000 characters).")
    meeting_on: date = strawberry.field(description="The consultation meeting's day, within a year of today.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.PrepareAgendaItem:
        return c.PrepareAgendaItem(_item(self.item_id), self.plan, self.meeting_on,  # type: ignore[arg-type]
                                   self.expected_version)


@strawberry.input(name="AddDeliberationParticipantInput", description="During preparation (at most 200 per item). "
                  "A resident by `residentId` (required for residents; their district's staff alone add them); "
                  "anyone else by `name`.")
class ParticipantInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    kind: ParticipantKindEnum = strawberry.field(description="Who they are.")
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="The Resident (at most once per "
                                                                                   "item).")
    name: str | None = strawberry.field(default=None, description="For a participant who is not a resident: the name "
                                        "the minutes give (at most 120 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AddDeliberationParticipant:
        resident = uuid_of(self.resident_id, "Resident") if self.resident_id is not None else None
        return c.AddDeliberationParticipant(_item(self.item_id), self.kind.value, resident,  # type: ignore[arg-type]
                                            self.name, self.expected_version)


@strawberry.input(name="OpenDeliberationConsultationInput", description="Consultation, right after preparation "
                  "(with at least one participant).")
class OpenConsultationInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.OpenDeliberationConsultation:
        return c.OpenDeliberationConsultation(_item(self.item_id), self.expected_version)  # type: ignore[arg-type]


@strawberry.input(name="StateDeliberationPositionInput", description="During consultation, by a participant (at "
                  "most 500 positions per item).")
class PositionInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    participant: int = strawberry.field(description="The participant's number (1 to 200).")
    stance: StanceEnum = strawberry.field(description="For, against, or on conditions.")
    statement: str = strawberry.field(description="What they said (at most 2,000 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.StateDeliberationPosition:
        return c.StateDeliberationPosition(_item(self.item_id), self.participant,  # type: ignore[arg-type]
                                           self.stance.value, self.statement, self.expected_version)


@strawberry.input(name="CastDeliberationVoteInput", description="During consultation: a participant's one vote.")
class VoteInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    participant: int = strawberry.field(description="The participant's number (1 to 200).")
    choice: VoteChoiceEnum = strawberry.field(description="For, against, or abstain.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CastDeliberationVote:
        return c.CastDeliberationVote(_item(self.item_id), self.participant, self.choice.value,  # type: ignore[arg-type]
                                      self.expected_version)


@strawberry.input(name="DecideDeliberationItemInput", description="Decision, right after consultation. ADOPTED only "
                  "when more votes are for than against; REJECTED concludes the item.")
class DecideInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    outcome: DecisionOutcomeEnum = strawberry.field(description="Adopted or rejected.")
    basis: str = strawberry.field(description="The basis of the decision (at most 2,000 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.DecideAgendaItem:
        return c.DecideAgendaItem(_item(self.item_id), self.outcome.value, self.basis,  # type: ignore[arg-type]
                                  self.expected_version)


@strawberry.input(name="DeliberationTaskInput", description="An execution task.")
class TaskInput:
    title: str = strawberry.field(description="What is to be done (at most 200 characters).")
    assignee: str = strawberry.field(description="Who does it (at most 120 characters).")
    due_on: date = strawberry.field(description="By when: from today to a year from today.")


@strawberry.input(name="StartDeliberationExecutionInput", description="Execution, right after an adoption.")
class ExecutionInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    tasks: list[TaskInput] = strawberry.field(description="1 to 20 tasks, numbered from 1 in this order.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.StartDeliberationExecution:
        return c.StartDeliberationExecution(
            _item(self.item_id), tuple(c.TaskGiven(t.title, t.assignee, t.due_on) for t in self.tasks[:21]),  # type: ignore[arg-type]
            self.expected_version)


@strawberry.input(name="CompleteDeliberationTaskInput", description="During execution: a task done.")
class CompleteTaskInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    task: int = strawberry.field(description="The task's number (1 to 20).")
    note: str = strawberry.field(description="What was done (at most 2,000 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CompleteDeliberationTask:
        return c.CompleteDeliberationTask(_item(self.item_id), self.task, self.note,  # type: ignore[arg-type]
                                          self.expected_version)


@strawberry.input(name="DeliberationOutcomeInput", description="How many of one kind of outcome.")
class OutcomeInput:
    kind: OutcomeKindEnum = strawberry.field(description="The kind of outcome (each kind at most once).")
    count: int = strawberry.field(description="1 to 10,000.")


@strawberry.input(name="ReportDeliberationSupervisionInput", description="Supervision, right after execution, once "
                  "every task is done; concludes the item.")
class ReportInput:
    item_id: strawberry.ID = strawberry.field(description=ITEM)
    report: str = strawberry.field(description="What supervision found (at most 2,000 characters).")
    outcomes: list[OutcomeInput] = strawberry.field(default_factory=list, description="What it achieved, by kind "
                                                    "(at most one row per kind).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ReportDeliberationSupervision:
        return c.ReportDeliberationSupervision(
            _item(self.item_id), self.report,  # type: ignore[arg-type]
            tuple(c.OutcomeGiven(o.kind.value, o.count) for o in self.outcomes[:5]), self.expected_version)
