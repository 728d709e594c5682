"""Meal-service queries: canteens, elders, meals (each with its chain back to the suppliers), supplier batches
and the recall list, the rule table and a draft's preview, the month's settlement by payer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Role
from civicledger.core.clock import business_date
from civicledger.core.errors import InvalidInputError, NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.domains.meals.values import Payer
from civicledger.graphql.meals.finance_types import (
    RulePreviewType,
    RuleRevisionType,
    RuleTableType,
    SettlementLineConnection,
    SettlementLineEdge,
    SettlementLineType,
    SettlementTotalConnection,
    SettlementTotalEdge,
    SettlementTotalType,
    preview_line,
)
from civicledger.graphql.meals.inputs import (
    MealCanteenFilter,
    MealElderFilter,
    MealFilter,
    PublishMealRuleInput,
    SupplierBatchFilter,
)
from civicledger.graphql.meals.recall_types import RecallElderConnection, RecallElderEdge, RecallElderType
from civicledger.graphql.meals.trace_types import (
    MealConnection,
    MealEdge,
    MealType,
    SupplierBatchConnection,
    SupplierBatchEdge,
    SupplierBatchType,
    elder_of,
)
from civicledger.graphql.meals.types import (
    LIST_DEFAULT,
    LIST_MAX,
    ListAfter,
    ListFirst,
    MealCanteenConnection,
    MealCanteenEdge,
    MealCanteenType,
    MealElderConnection,
    MealElderEdge,
    MealElderType,
    PayerEnum,
)
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, keyset_page, list_connection, page_limit, page_size, uuid_of
from civicledger.projections.meals_canteens import canteens_by_ids, search_canteens
from civicledger.projections.meals_elders import search_elders
from civicledger.projections.meals_rules import rule_revisions
from civicledger.projections.meals_served import meal_sample, meals_by_ids, search_meals
from civicledger.projections.meals_settlement import settlement_lines, totals_by_payer
from civicledger.projections.meals_traceability import (
    batches_by_ids,
    count_elders_who_ate_from,
    elders_who_ate_from,
    search_batches,
)

PAGE = "Page size 1–100 (default 20)."
SAMPLE_DAYS = 28


def _district(raw: str | None) -> str | None:
    return parse_district(raw).value if raw else None


@strawberry.type
class MealQueries:
    @strawberry.field(permission_classes=[CanRead], description=f"Canteens and delivery points. {PAGE}")
    async def meal_canteens(
        self, info: Info,
        filter: Annotated[MealCanteenFilter | None, strawberry.argument(
                description="Narrows the canteens (district, street, status ...); omitted: all the caller may"
                            " see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> MealCanteenConnection:
        f = filter or MealCanteenFilter()
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_canteens(conn, district=_district(f.district), kind=f.kind.value if f.kind else None,
                                         status=f.status.value if f.status else None,
                                         after=decode_cursor("canteen", after), limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "canteen")
        return MealCanteenConnection(edges=[MealCanteenEdge(cursor=c, node=MealCanteenType.from_row(r))
                                            for r, c in zip(rows, cursors, strict=True)], page_info=info_)

    @strawberry.field(
        description="One canteen or delivery point by its global ID.",
        permission_classes=[CanRead])
    async def meal_canteen(self, info: Info, id: strawberry.ID) -> MealCanteenType:
        key = uuid_of(id, "MealCanteen")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await canteens_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"canteen {key} not found", id=str(id))
        return MealCanteenType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description=f"Enrolled (and withdrawn) elders. {PAGE}")
    async def meal_elders(
        self, info: Info,
        filter: Annotated[MealElderFilter | None, strawberry.argument(
                description="Narrows the elders (district, canteen, status ...); omitted: all the caller may "
                            "see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> MealElderConnection:
        f = filter or MealElderFilter()
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_elders(conn, district=_district(f.district), street=f.street, active=f.active,
                                       after=decode_cursor("elder", after), limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "elder")
        return MealElderConnection(edges=[MealElderEdge(cursor=c, node=MealElderType.from_row(r))
                                          for r, c in zip(rows, cursors, strict=True)], page_info=info_)

    @strawberry.field(permission_classes=[CanRead], description="A resident's enrolment, if they were ever enrolled.")
    async def meal_elder(
        self, info: Info,
        resident_id: Annotated[strawberry.ID, strawberry.argument(
                description="The resident (global ID); null when they are not enrolled.")],
    ) -> MealElderType | None:
        return await elder_of(info, uuid_of(resident_id, "Resident"))

    @strawberry.field(permission_classes=[CanRead], description=f"Meals of a canteen or an elder, oldest first. "
                                                                f"{PAGE}")
    async def meals(
        self, info: Info,
        filter: Annotated[MealFilter, strawberry.argument(
                description="Required: a canteenId or a residentId, and optionally a period.")],
        first: int | None = 20,
        after: str | None = None,
    ) -> MealConnection:
        if filter.canteen_id is None and filter.resident_id is None:
            raise InvalidInputError("give a canteenId or a residentId", field="filter")
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_meals(
                conn, canteen_id=uuid_of(filter.canteen_id, "MealCanteen") if filter.canteen_id else None,
                resident_id=uuid_of(filter.resident_id, "Resident") if filter.resident_id else None,
                since=filter.served_from, until=filter.served_until, include_voided=filter.include_voided,
                after=decode_cursor("meal", after), limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "meal")
        return MealConnection(edges=[MealEdge(cursor=c, node=MealType.from_row(r))
                                     for r, c in zip(rows, cursors, strict=True)], page_info=info_)

    @strawberry.field(permission_classes=[CanRead], description="One meal, with its chain back to the suppliers "
                                                                "(productionRuns { supplierBatches }).")
    async def meal(self, info: Info, id: strawberry.ID) -> MealType:
        key = uuid_of(id, "Meal")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await meals_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"meal {key} not found", id=str(id))
        return MealType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description=f"Supplier batches received by kitchens. {PAGE}")
    async def supplier_batches(
        self, info: Info,
        filter: Annotated[SupplierBatchFilter | None, strawberry.argument(
                description="Narrows the batches (kitchen, supplier, period, recalled); omitted: all the caller may "
                            "see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SupplierBatchConnection:
        f = filter or SupplierBatchFilter()
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_batches(conn, canteen_id=uuid_of(f.canteen_id, "MealCanteen") if f.canteen_id
                                        else None, recalled=f.recalled, after=decode_cursor("batch", after),
                                        limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "batch")
        return SupplierBatchConnection(edges=[SupplierBatchEdge(cursor=c, node=SupplierBatchType.from_row(r))
                                              for r, c in zip(rows, cursors, strict=True)], page_info=info_)

    @strawberry.field(
        description=("One supplier batch by its global ID, with the production runs that used it and any recall "
                     "notices."),
        permission_classes=[CanRead])
    async def supplier_batch(self, info: Info, id: strawberry.ID) -> SupplierBatchType:
        key = uuid_of(id, "SupplierBatch")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await batches_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"supplier batch {key} not found", id=str(id))
        return SupplierBatchType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description="The recall list: every elder who ate from the "
                                                                "batch through any production run, once, with "
                                                                f"contact details masked by role. {PAGE}")
    async def supplier_batch_elders(
        self, info: Info,
        supplier_batch_id: Annotated[strawberry.ID, strawberry.argument(
                description="The batch (global ID) whose recall list is asked for.")],
        first: int | None = 20,
        after: str | None = None,
    ) -> RecallElderConnection:
        batch = uuid_of(supplier_batch_id, "SupplierBatch")
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            if not await batches_by_ids(conn, [batch]):
                raise NotFoundError(f"supplier batch {batch} not found", id=str(supplier_batch_id))
            rows = await elders_who_ate_from(conn, batch, after=decode_cursor("eater", after), limit=limit)
            total = await count_elders_who_ate_from(conn, batch)
        rows, cursors, info_ = keyset_page(rows, limit, "eater")
        residents = {r["id"]: r for r in await info.context.loaders.resident.load_many(
            [r["resident_id"] for r in rows]) if r}
        return RecallElderConnection(edges=[RecallElderEdge(cursor=c, node=RecallElderType(
            row=r, resident=residents.get(r["resident_id"]))) for r, c in zip(rows, cursors, strict=True)],
            page_info=info_, total=total)

    @strawberry.field(permission_classes=[CanRead], description="The meal subsidy rule table: every revision, and "
                                                                "the one in force on a date (default today).")
    async def meal_rules(
        self, info: Info,
        on: Annotated[date | None, strawberry.argument(
                description="The business date whose rule is in force (default: today, Asia/Shanghai).")] = None,
    ) -> RuleTableType:
        day = on or business_date(info.context.runtime.clock.now())
        async with info.context.runtime.read_pool.acquire() as conn:
            revisions = [RuleRevisionType.from_row(r) for r in await rule_revisions(conn)]
        candidates = [r for r in revisions if r.effective_from <= day]
        current = max(candidates, key=lambda r: (r.effective_from, r.revision), default=None)
        return RuleTableType(all_revisions=revisions, in_force=current)

    @strawberry.field(permission_classes=[CanRead], description="What publishing a revision would change, category "
                                                                "by locality, with the meals of the last 28 days as "
                                                                "a sample. Writes nothing. Admins, supervisors and "
                                                                "inspectors.")
    async def meal_rule_preview(
        self, info: Info,
        input: Annotated[PublishMealRuleInput, strawberry.argument(
                description="The revision you would publish (as `publishMealRule` takes it).")],
    ) -> RulePreviewType:
        ctx = info.context
        ctx.principal.require_role(Role.ADMIN, Role.SUPERVISOR, Role.INSPECTOR)
        until = business_date(ctx.runtime.clock.now())
        since = until - timedelta(days=SAMPLE_DAYS)
        async with ctx.runtime.read_pool.acquire() as conn:
            sample = await meal_sample(conn, since, until)
        preview = await ctx.run(ctx.runtime.services.meals.preview_meal_rule, input.to_command(), sample)
        return RulePreviewType(revision=preview.revision.revision, effective_from=preview.revision.effective_from,
                               price=preview.revision.price, sample_from=since, sample_until=until,
                               lines=[preview_line(line) for line in preview.lines])

    @strawberry.field(permission_classes=[CanRead], description=page_limit(LIST_MAX, LIST_DEFAULT) + "The finance "
                      "office's view of a month: what each payer paid (the city, then each district, street and "
                      "charity fund, by code). The pages are cut from the month's totals as they stand when each page "
                      "is read: a settlement run between two pages that adds a new payer may shift them.")
    async def meal_settlement_totals(
        self, info: Info,
        month: Annotated[date, strawberry.argument(
                description="The month: any date in it (the first is used).")],
        payer: Annotated[PayerEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only this payer's totals.")] = None,
        district: Annotated[str | None, strawberry.argument(
                description="District code (HAIZHU) or name (海珠区); omitted: every district the caller may "
                            "see.")] = None,
        first: ListFirst = LIST_DEFAULT,
        after: ListAfter = None,
    ) -> SettlementTotalConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)  # refused before anything is read
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await totals_by_payer(conn, month.replace(day=1), payer=Payer(payer).value if payer else None,
                                         district=_district(district))
        return list_connection(SettlementTotalEdge, SettlementTotalConnection, list(rows), "mtotal", limit, after,
                               SettlementTotalType.from_row, LIST_DEFAULT, LIST_MAX)

    @strawberry.field(permission_classes=[CanRead], description=f"A month's settlement lines. {PAGE}")
    async def meal_settlement_lines(
        self, info: Info,
        month: Annotated[date, strawberry.argument(
                description="The month: any date in it (the first is used).")],
        canteen_id: Annotated[strawberry.ID | None, strawberry.argument(
                description="Only this canteen's lines.")] = None,
        payer: Annotated[PayerEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only this payer's lines.")] = None,
        district: Annotated[str | None, strawberry.argument(
                description="District code (HAIZHU) or name (海珠区); omitted: every district the caller may "
                            "see.")] = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> SettlementLineConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await settlement_lines(
                conn, month.replace(day=1), canteen_id=uuid_of(canteen_id, "MealCanteen") if canteen_id else None,
                payer=Payer(payer).value if payer else None, district=_district(district),
                after=decode_cursor("settlement", after), limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "settlement")
        return SettlementLineConnection(edges=[SettlementLineEdge(cursor=c, node=SettlementLineType(row=r))
                                               for r, c in zip(rows, cursors, strict=True)], page_info=info_)
