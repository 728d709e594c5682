"""GraphQL types of meals and their traceability: a meal with its split and its production runs, a run with
its supplier batches, a batch with its runs and the canteens notified of its recall (the elders who ate from
it: `recall_types.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.domains.meals.enrolment import enrolment_id
from civicledger.domains.meals.values import Locality, ServiceMode, Sitting, SubsidyCategory, Unit
from civicledger.graphql.meals.types import (
    LIST_DEFAULT,
    LIST_MAX,
    ListAfter,
    ListFirst,
    LocalityEnum,
    MealCanteenType,
    MealElderType,
    ServiceModeEnum,
    SharesType,
    SittingEnum,
    SubsidyCategoryEnum,
    UnitEnum,
    canteen,
    reveal_elder,
)
from civicledger.graphql.relay import connection, decode_cursor, keyset_page, page_limit, page_size
from civicledger.projections.meals_elders import elders_by_ids
from civicledger.projections.meals_served import meals_by_ids
from civicledger.projections.meals_traceability import (
    batches_by_ids,
    recall_notices,
    runs_by_ids,
    runs_of_batch,
)


async def elder_of(info: Info, resident_id: UUID) -> MealElderType | None:
    row = await info.context.loader("meal_elders", elders_by_ids).load(enrolment_id(resident_id))
    return MealElderType.from_row(row) if row else None


@strawberry.type(name="Meal", description="One meal as served, with its split (the receipt) and the production "
                                          "runs it came from.")
class MealType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The meal's UUID (the global id wraps it).")
    def meal_id(self) -> UUID:
        return self.row["meal_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The day it was served.")
    def served_on(self) -> date:
        return self.row["served_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Which meal of the day.")
    def sitting(self) -> SittingEnum:  # type: ignore[valid-type]
        return Sitting(self.row["sitting"])

    @strawberry.field(description="Eaten at the canteen or delivered.")
    def mode(self) -> ServiceModeEnum:  # type: ignore[valid-type]
        return ServiceMode(self.row["mode"])

    @strawberry.field(description=("Whether the elder ate in their own street, another street of their district, or "
                                   "another district (decides which government shares apply)."))
    def locality(self) -> LocalityEnum:  # type: ignore[valid-type]
        return Locality(self.row["locality"])

    @strawberry.field(description="The subsidy category (it reveals 低保 / 特困 status): null when the reader may "
                                  "not see the elder's personal data.")
    async def category(self, info: Info) -> SubsidyCategoryEnum | None:  # type: ignore[valid-type]
        elder = await info.context.loader("meal_elders", elders_by_ids).load(enrolment_id(self.row["resident_id"]))
        if elder is None or not reveal_elder(info, elder, "mealCategory"):
            return None
        return SubsidyCategory(self.row["category"])

    @strawberry.field(description="The rule revision that priced it.")
    def rule_revision(self) -> int:
        return self.row["rule_revision"]  # type: ignore[no-any-return]

    @strawberry.field(description="The meal's price in yuan.")
    def price(self) -> Decimal:
        return self.row["price"]  # type: ignore[no-any-return]

    @strawberry.field(description="Who pays what of the price, in yuan.")
    def shares(self) -> SharesType:
        r = self.row
        return SharesType(enterprise=r["enterprise"], city=r["city"], district=r["district_share"],
                          street=r["street_share"], charity=r["charity"], elder=r["elder"])

    @strawberry.field(description="Added to a closed day's sheet with a correction reason.")
    def late(self) -> bool:
        return self.row["late"]  # type: ignore[no-any-return]

    @strawberry.field(description="True when the meal was voided as recorded in error (it stays, for the record).")
    def voided(self) -> bool:
        return self.row["voided"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was recorded.")
    def recorded_at(self) -> datetime:
        return self.row["recorded_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Where it was served.")
    async def canteen(self, info: Info) -> MealCanteenType | None:
        return await canteen(info, self.row["canteen_id"])

    @strawberry.field(description="The elder who ate it.")
    async def elder(self, info: Info) -> MealElderType | None:
        return await elder_of(info, self.row["resident_id"])

    @strawberry.field(description="The production runs it came from (at most 4), each with its supplier batches: "
                                  "the meal's whole chain back to the suppliers.")
    async def production_runs(self, info: Info) -> list[ProductionRunType]:
        rows = await info.context.loader("meal_runs", runs_by_ids).load_many(list(self.row["run_ids"]))
        return [ProductionRunType.from_row(r) for r in rows if r]

    @classmethod
    def from_row(cls, row: Any) -> MealType:
        return cls(uid=str(row["meal_id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("meals", meals_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="MealEdge")
class MealEdge:
    cursor: str
    node: MealType


@strawberry.type(name="MealConnection")
class MealConnection:
    edges: list[MealEdge]
    page_info: relay.PageInfo


@strawberry.type(name="ProductionRun", description="A dish cooked in one kitchen on one day from supplier batches.")
class ProductionRunType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The dish cooked (at most 120 characters).")
    def dish(self) -> str:
        return self.row["dish"]  # type: ignore[no-any-return]

    @strawberry.field(description="The day it was cooked.")
    def cooked_on(self) -> date:
        return self.row["cooked_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Portions cooked in the run (1 to 20,000).")
    def portions(self) -> int:
        return self.row["portions"]  # type: ignore[no-any-return]

    @strawberry.field(description="The kitchen that cooked it.")
    async def kitchen(self, info: Info) -> MealCanteenType | None:
        return await canteen(info, self.row["canteen_id"])

    @strawberry.field(description="The batches it was cooked from (at most 30).")
    async def supplier_batches(self, info: Info) -> list[SupplierBatchType]:
        rows = await info.context.loader("meal_batches", batches_by_ids).load_many(list(self.row["batch_ids"]))
        return [SupplierBatchType.from_row(r) for r in rows if r]

    @classmethod
    def from_row(cls, row: Any) -> ProductionRunType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("meal_runs", runs_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="RecallNotice", description="A canteen notified of a recall (by the recall process).")
class RecallNoticeType:
    notified_on: date = strawberry.field(description="The day the canteen was notified.")
    canteen: MealCanteenType | None = strawberry.field(description="The canteen notified (null if it is not in "
                                                       "the read model).")


ProductionRunEdge, ProductionRunConnection = connection("ProductionRun", ProductionRunType, "Production runs, in "
                                                      "the order they were recorded.")
RecallNoticeEdge, RecallNoticeConnection = connection("RecallNotice", RecallNoticeType, "A batch's recall notices, "
                                                      "in the order they were sent.")


@strawberry.type(name="SupplierBatch", description="A delivery of one product from one supplier to one kitchen.")
class SupplierBatchType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The supplier's name.")
    def supplier(self) -> str:
        return self.row["supplier"]  # type: ignore[no-any-return]

    @strawberry.field(description="The supplier's food business licence number.")
    def supplier_licence(self) -> str | None:
        return self.row["supplier_licence"]  # type: ignore[no-any-return]

    @strawberry.field(description="What was delivered.")
    def product(self) -> str:
        return self.row["product"]  # type: ignore[no-any-return]

    @strawberry.field(description="How much, in `unit`.")
    def quantity(self) -> Decimal:
        return self.row["quantity"]  # type: ignore[no-any-return]

    @strawberry.field(description="The unit of `quantity`.")
    def unit(self) -> UnitEnum:  # type: ignore[valid-type]
        return Unit(self.row["unit"])

    @strawberry.field(description="The day it was received.")
    def received_on(self) -> date:
        return self.row["received_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Its use-by date.")
    def expires_on(self) -> date:
        return self.row["expires_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Null unless recalled.")
    def recalled_on(self) -> date | None:
        return self.row["recalled_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="What is wrong with it, once recalled.")
    def hazard(self) -> str | None:
        return self.row["hazard"]  # type: ignore[no-any-return]

    @strawberry.field(description="The kitchen that received it.")
    async def kitchen(self, info: Info) -> MealCanteenType | None:
        return await canteen(info, self.row["canteen_id"])

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "The production runs cooked from it, in the "
                      "order they were recorded.")
    async def production_runs(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                              ) -> ProductionRunConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await runs_of_batch(conn, self.row["id"], after=decode_cursor("mrun", after), limit=limit)
        rows, cursors, page = keyset_page(rows, limit, "mrun")
        page.has_previous_page = after is not None
        return ProductionRunConnection(edges=[ProductionRunEdge(cursor=c, node=ProductionRunType.from_row(r))
                                              for r, c in zip(rows, cursors, strict=True)], page_info=page)

    @strawberry.field(description=page_limit(LIST_MAX, LIST_DEFAULT) + "Canteens notified of its recall, in the "
                      "order they were notified.")
    async def recall_notices(self, info: Info, first: ListFirst = LIST_DEFAULT, after: ListAfter = None
                             ) -> RecallNoticeConnection:
        limit = page_size(first, default=LIST_DEFAULT, maximum=LIST_MAX)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await recall_notices(conn, self.row["id"], after=decode_cursor("mnotice", after), limit=limit)
        rows, cursors, page = keyset_page(rows, limit, "mnotice", key="position")
        page.has_previous_page = after is not None
        return RecallNoticeConnection(edges=[RecallNoticeEdge(cursor=c, node=RecallNoticeType(
            notified_on=r["notified_on"], canteen=await canteen(info, r["canteen_id"])))
            for r, c in zip(rows, cursors, strict=True)], page_info=page)

    @classmethod
    def from_row(cls, row: Any) -> SupplierBatchType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("meal_batches", batches_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="SupplierBatchEdge")
class SupplierBatchEdge:
    cursor: str
    node: SupplierBatchType


@strawberry.type(name="SupplierBatchConnection")
class SupplierBatchConnection:
    edges: list[SupplierBatchEdge]
    page_info: relay.PageInfo
