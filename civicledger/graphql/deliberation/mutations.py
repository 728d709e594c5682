"""Deliberation mutations: one per stage, and the steps within consultation and execution; each input → command →
the one command path → payload. The service decides who may act (the staff of the item's district); expected
failures arrive as typed errors with stable codes and write nothing."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload, execute
from civicledger.graphql.deliberation import inputs as i
from civicledger.graphql.deliberation.types import ItemType
from civicledger.graphql.permissions import CanCommand
from civicledger.projections.deliberation_items import items_by_ids


@strawberry.type(name="DeliberationItemPayload", description="What a deliberation command recorded, and the item.")
class ItemPayload(CommandPayload):
    item_id: UUID = strawberry.field(description="The item's UUID.")

    @strawberry.field(description="The item as the read models show it at the command's position.")
    async def item(self, info: Info) -> ItemType | None:
        row = await info.context.read_after(self.position, items_by_ids, self.item_id)
        return ItemType.from_row(row) if row else None

    @classmethod
    def of(cls, recorded: Recorded) -> ItemPayload:
        return cls(item_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type
class DeliberationMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Topic collection: put an item on a "
                         "community's agenda.")
    async def propose_deliberation_item(self, info: Info, input: i.ProposeInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Preparation: the draft plan and the meeting "
                         "day (RULE_VIOLATION unless the item is at topic collection).")
    async def prepare_deliberation_item(self, info: Info, input: i.PrepareInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Add a participant during preparation.")
    async def add_deliberation_participant(self, info: Info, input: i.ParticipantInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Consultation opens (RULE_VIOLATION unless the "
                         "item is at preparation).")
    async def open_deliberation_consultation(self, info: Info, input: i.OpenConsultationInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A participant states a position during "
                         "consultation.")
    async def state_deliberation_position(self, info: Info, input: i.PositionInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A participant's one vote during consultation "
                         "(a second vote is CONFLICT; a non-participant's RULE_VIOLATION).")
    async def cast_deliberation_vote(self, info: Info, input: i.VoteInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Decision, with its basis (RULE_VIOLATION "
                         "unless the item is at consultation, or when ADOPTED goes against the votes).")
    async def decide_deliberation_item(self, info: Info, input: i.DecideInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Execution: the tasks (RULE_VIOLATION unless "
                         "the item was adopted at its decision).")
    async def start_deliberation_execution(self, info: Info, input: i.ExecutionInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A task done, during execution.")
    async def complete_deliberation_task(self, info: Info, input: i.CompleteTaskInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Supervision: the report and the outcomes "
                         "(RULE_VIOLATION unless the item is at execution with every task done).")
    async def report_deliberation_supervision(self, info: Info, input: i.ReportInput) -> ItemPayload:
        return ItemPayload.of(await execute(info, input))
