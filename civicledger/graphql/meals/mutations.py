"""Meal-service mutations: input → command → the one command path → payload. Who may do what is decided by
the meal service (canteen staff, the elder's district, admins), not here."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from civicledger.core.guangzhou import parse_district
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.errors import MealNotFoundError
from civicledger.graphql.commands import execute
from civicledger.graphql.meals.inputs import (
    ChangeMealCanteenStatusInput,
    CloseMealDayInput,
    EnrolElderInput,
    PublishMealRuleInput,
    RecallSupplierBatchInput,
    ReceiveSupplierBatchInput,
    RecordMealsInput,
    RecordProductionRunInput,
    RecordRecallFollowUpInput,
    RegisterMealCanteenInput,
    SettleMealMonthInput,
    VoidMealInput,
    WithdrawElderInput,
)
from civicledger.graphql.meals.payloads import (
    MealCanteenPayload,
    MealDayPayload,
    MealElderPayload,
    MealRulePayload,
    ProductionRunPayload,
    SettleMealMonthPayload,
    SupplierBatchPayload,
)
from civicledger.graphql.permissions import CanCommand
from civicledger.graphql.relay import uuid_of
from civicledger.projections.meals_canteens import canteen_ids
from civicledger.projections.meals_served import meals_by_ids


@strawberry.type
class MealMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Register a canteen or delivery point.")
    async def register_meal_canteen(self, info: Info, input: RegisterMealCanteenInput) -> MealCanteenPayload:
        return MealCanteenPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Close a canteen (with a reason): no meals "
                                                                      "are served there until it reopens.")
    async def close_meal_canteen(self, info: Info, input: ChangeMealCanteenStatusInput) -> MealCanteenPayload:
        cmd = c.CloseCanteen(uuid_of(input.canteen_id, "MealCanteen"), input.expected_version)
        return MealCanteenPayload.of(await execute(info, input, cmd))

    @strawberry.mutation(
        description="Reopen a closed canteen: meals may be recorded there again.",
        permission_classes=[CanCommand])
    async def reopen_meal_canteen(self, info: Info, input: ChangeMealCanteenStatusInput) -> MealCanteenPayload:
        cmd = c.ReopenCanteen(uuid_of(input.canteen_id, "MealCanteen"), input.expected_version)
        return MealCanteenPayload.of(await execute(info, input, cmd))

    @strawberry.mutation(permission_classes=[CanCommand], description="Enrol a resident aged 60+ (or enrol them "
                                                                      "again after a withdrawal).")
    async def enrol_elder(self, info: Info, input: EnrolElderInput) -> MealElderPayload:
        return MealElderPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="New subsidy basis or dietary needs; home "
                                                                      "district and street read again from the "
                                                                      "registry.")
    async def change_elder_enrolment(self, info: Info, input: EnrolElderInput) -> MealElderPayload:
        return MealElderPayload.of(await execute(info, input, input.to_change()))

    @strawberry.mutation(
        description="Withdraw an elder from the meal service (with a reason); meals already served are kept.",
        permission_classes=[CanCommand])
    async def withdraw_elder(self, info: Info, input: WithdrawElderInput) -> MealElderPayload:
        return MealElderPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Publish a revision of the meal subsidy rule "
                                                                      "table (admins).")
    async def publish_meal_rule(self, info: Info, input: PublishMealRuleInput) -> MealRulePayload:
        return MealRulePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Record meals served, each priced by the rule "
                                                                      "in force that day.")
    async def record_meals(self, info: Info, input: RecordMealsInput) -> MealDayPayload:
        return MealDayPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Void a meal recorded in error (a correction "
                                                                      "line follows if its month was settled).")
    async def void_meal(self, info: Info, input: VoidMealInput) -> MealDayPayload:
        meal_id = uuid_of(input.meal_id, "Meal")
        async with info.context.runtime.pool.acquire() as conn:
            rows = await meals_by_ids(conn, [meal_id])
        if not rows:
            raise MealNotFoundError(meal_id)
        cmd = c.VoidMeal(rows[0]["canteen_id"], rows[0]["served_on"], meal_id)
        return MealDayPayload.of(await execute(info, input, cmd))

    @strawberry.mutation(
        description="Close a canteen's day: no more meals may be recorded or voided for it.",
        permission_classes=[CanCommand])
    async def close_meal_day(self, info: Info, input: CloseMealDayInput) -> MealDayPayload:
        return MealDayPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record a batch of ingredients received from a supplier (traceability: which production runs used"
                     " it)."),
        permission_classes=[CanCommand])
    async def receive_supplier_batch(self, info: Info, input: ReceiveSupplierBatchInput) -> SupplierBatchPayload:
        return SupplierBatchPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Record a kitchen's production run: which supplier batches it used.",
        permission_classes=[CanCommand])
    async def record_production_run(self, info: Info, input: RecordProductionRunInput) -> ProductionRunPayload:
        return ProductionRunPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Recall a supplier batch: every meal made from it and every elder who ate one are found for "
                     "follow-up."),
        permission_classes=[CanCommand])
    async def recall_supplier_batch(self, info: Info, input: RecallSupplierBatchInput) -> SupplierBatchPayload:
        return SupplierBatchPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="What came of contacting an elder who ate "
                                                                      "from a recalled batch.")
    async def record_recall_follow_up(self, info: Info, input: RecordRecallFollowUpInput) -> MealElderPayload:
        return MealElderPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Settle a month for every canteen of a "
                                                                      "district: each payer paid once.")
    async def settle_meal_month(self, info: Info, input: SettleMealMonthInput) -> SettleMealMonthPayload:
        ctx = info.context
        district = parse_district(input.district).value if input.district else ctx.principal.district
        async with ctx.runtime.pool.acquire() as conn:
            ids = await canteen_ids(conn, district)
        run = await execute(info, input, c.SettleMealMonth(input.month, district, tuple(ids)))
        return SettleMealMonthPayload(month=run.month, settled=run.settled, unchanged=run.unchanged,
                                      position=max(run.positions, default=0))
