"""What meal-service mutations return: what was recorded (stream, version, position, replayed) and the record
as the read model shows it once every read model has reached the command's position."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.meals.finance_types import (
    REVISIONS_RULE,
    RuleRevisionConnection,
    RuleRevisionType,
    revision_page,
)
from civicledger.graphql.meals.trace_types import MealType, ProductionRunType, SupplierBatchType
from civicledger.graphql.meals.types import LIST_DEFAULT, ListAfter, ListFirst, MealCanteenType, MealElderType
from civicledger.projections.meals_canteens import canteens_by_ids
from civicledger.projections.meals_elders import elders_by_ids
from civicledger.projections.meals_rules import rule_revisions
from civicledger.projections.meals_served import meals_recorded_at
from civicledger.projections.meals_traceability import batches_by_ids, runs_by_ids

POSITION = "Global log position; pass as minPosition to read your write."
REPLAYED = "True when an idempotency key returned an earlier result."


@strawberry.interface(name="MealCommandPayload", description="What a meal-service command recorded.")
class MealCommandPayload(CommandPayload):
    stream_id: UUID

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="MealCanteenPayload")
class MealCanteenPayload(MealCommandPayload):
    @strawberry.field(description="The canteen once the read model shows it.")
    async def canteen(self, info: Info) -> MealCanteenType | None:
        row = await info.context.read_after(self.position, canteens_by_ids, self.stream_id)
        return MealCanteenType.from_row(row) if row else None


@strawberry.type(name="MealElderPayload")
class MealElderPayload(MealCommandPayload):
    @strawberry.field(description="The elder once the read model shows them.")
    async def elder(self, info: Info) -> MealElderType | None:
        row = await info.context.read_after(self.position, elders_by_ids, self.stream_id)
        return MealElderType.from_row(row) if row else None


@strawberry.type(name="MealDayPayload", description="A day sheet's command: `streamId` is the canteen's day.")
class MealDayPayload(MealCommandPayload):
    @strawberry.field(description="The meals this command recorded (none for a replay, a void or a close).")
    async def meals(self, info: Info) -> list[MealType]:
        if not self.position:
            return []
        ctx = info.context
        await ctx.runtime.positions.wait_for(self.position, timeout=ctx.runtime.settings.consistency_timeout_s)
        async with ctx.runtime.read_pool.acquire() as conn:
            rows = await meals_recorded_at(conn, self.stream_id, self.position)
        return [MealType.from_row(r) for r in rows]


@strawberry.type(name="SupplierBatchPayload")
class SupplierBatchPayload(MealCommandPayload):
    @strawberry.field(description="The batch as the read models show it once they have reached `position`.")
    async def supplier_batch(self, info: Info) -> SupplierBatchType | None:
        row = await info.context.read_after(self.position, batches_by_ids, self.stream_id)
        return SupplierBatchType.from_row(row) if row else None


@strawberry.type(name="ProductionRunPayload")
class ProductionRunPayload(MealCommandPayload):
    @strawberry.field(description="The run as the read models show it once they have reached `position`.")
    async def production_run(self, info: Info) -> ProductionRunType | None:
        row = await info.context.read_after(self.position, runs_by_ids, self.stream_id)
        return ProductionRunType.from_row(row) if row else None


@strawberry.type(name="MealRulePayload")
class MealRulePayload(MealCommandPayload):
    @strawberry.field(description=REVISIONS_RULE + " The rule table once the read model shows the new one.")
    async def revisions(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                        ) -> RuleRevisionConnection:
        ctx = info.context
        await ctx.runtime.positions.wait_for(self.position, timeout=ctx.runtime.settings.consistency_timeout_s)
        async with ctx.runtime.read_pool.acquire() as conn:
            revisions = [RuleRevisionType.from_row(r) for r in await rule_revisions(conn)]
        return revision_page(revisions, first, after)


@strawberry.type(name="SettleMealMonthPayload", description="A settlement run over the district's canteens.")
class SettleMealMonthPayload:
    month: date = strawberry.field(description="The month settled: its first day.")
    settled: int = strawberry.field(description="Canteens paid something (or settled at nothing) by this run.")
    unchanged: int = strawberry.field(description="Canteens with nothing new to pay.")
    position: int = strawberry.field(description=POSITION)
