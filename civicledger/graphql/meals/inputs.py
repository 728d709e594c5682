"""What meal-service queries filter by and mutations take: each mutation input turns itself into its command
(`to_command()`: global ids to stream ids, enums to values); money as decimal strings, checked by the service."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.meals import commands as c
from civicledger.graphql.meals.types import (
    CanteenStatusEnum,
    DietaryNeedEnum,
    EconomicStatusEnum,
    FollowUpOutcomeEnum,
    LostSharesPayerEnum,
    OperatorTypeEnum,
    ServiceModeEnum,
    SiteKindEnum,
    SittingEnum,
    SubsidyCategoryEnum,
    UnitEnum,
)
from civicledger.graphql.relay import uuid_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."


@strawberry.input(name="MealCanteenFilter", description="Which canteens and delivery points to list; every field "
                                                       "given must match (none given: all).")
class MealCanteenFilter:
    district: str | None = strawberry.field(default=None, description="District code (HAIZHU) or name (海珠区).")
    kind: SiteKindEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only canteens, or only delivery points.")
    status: CanteenStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only open, or only closed, sites.")


@strawberry.input(name="MealElderFilter", description="Which enrolled elders to list; every field given must "
                                                     "match (none given: all).")
class MealElderFilter:
    district: str | None = strawberry.field(default=None, description="Home district code or name.")
    street: str | None = strawberry.field(default=None, description="Home street, as the registry spells it.")
    active: bool | None = strawberry.field(default=None, description="Enrolled now (true) or withdrawn (false).")


@strawberry.input(name="MealFilter", description="Give a canteen or an elder (or both).")
class MealFilter:
    canteen_id: strawberry.ID | None = None
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="The elder's resident id.")
    served_from: date | None = strawberry.field(default=None, description="Only meals served on or after this day.")
    served_until: date | None = strawberry.field(default=None, description="Inclusive.")
    include_voided: bool = strawberry.field(default=False, description="Include voided meals (default false).")


@strawberry.input(name="SupplierBatchFilter", description="Which supplier batches to list; every field given "
                                                         "must match.")
class SupplierBatchFilter:
    canteen_id: strawberry.ID | None = strawberry.field(default=None, description="The kitchen that received it.")
    recalled: bool | None = strawberry.field(default=None, description="Only recalled batches (true) or only "
                                             "batches not recalled (false).")


# -- canteens ------------------------------------------------------------------------------------------------


@strawberry.input(name="RegisterMealCanteenInput", description="Admins, or supervisors of the district (and of "
                                                               "the kitchen's district, for a delivery point).")
class RegisterMealCanteenInput:
    name: str = strawberry.field(description="At most 120 characters.")
    kind: SiteKindEnum = strawberry.field(
        description="A canteen (with a kitchen) or a delivery point.")  # type: ignore[valid-type]
    operator_type: OperatorTypeEnum = strawberry.field(description="Who runs it.")  # type: ignore[valid-type]
    operator_name: str = strawberry.field(description="At most 120 characters.")
    district: str = strawberry.field(description="District code (HAIZHU) or name (海珠区).")
    street: str = strawberry.field(description="The street (街道) it is in: the street office that subsidises it.")
    capacity: int = strawberry.field(description="1 to 5,000.")
    opening_days: list[int] = strawberry.field(description="ISO weekdays, 1 = Monday … 7 = Sunday.")
    office: str = strawberry.field(description="The office code its staff's tokens carry (at most 80).")
    kitchen_id: strawberry.ID | None = strawberry.field(default=None, description="A delivery point's supplying "
                                                                                  "canteen.")
    charity_fund: str | None = strawberry.field(default=None, description="Default GZ-CHARITY-ELDER-MEALS.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RegisterCanteen:
        return c.RegisterCanteen(
            self.name, self.kind.value, self.operator_type.value, self.operator_name, self.district, self.street,
            self.capacity, tuple(self.opening_days), self.office,
            uuid_of(self.kitchen_id, "MealCanteen") if self.kitchen_id else None, self.charity_fund)


@strawberry.input(name="ChangeMealCanteenStatusInput", description="Closing needs a reason.")
class ChangeMealCanteenStatusInput:
    canteen_id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


# -- elders --------------------------------------------------------------------------------------------------


@strawberry.input(name="EnrolElderInput", description="Caseworkers and supervisors of the elder's home district; "
                                                      "the elder is 60 or over.")
class EnrolElderInput:
    resident_id: strawberry.ID
    economic_status: EconomicStatusEnum = strawberry.field(
        description="The elder's economic status: decides their subsidy category.")  # type: ignore[valid-type]
    disabled: bool = strawberry.field(default=False, description="The elder is disabled.")
    dietary_needs: list[DietaryNeedEnum] = strawberry.field(description="Dietary needs the canteen must meet.",
                                                            default_factory=list)  # type: ignore[valid-type]
    dietary_note: str | None = strawberry.field(default=None, description="At most 500 characters.")
    expected_version: int | None = strawberry.field(default=None, description="Changes only.")
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.EnrolElder:
        return c.EnrolElder(uuid_of(self.resident_id, "Resident"), self.economic_status.value, self.disabled,
                            tuple(n.value for n in self.dietary_needs), self.dietary_note)

    def to_change(self) -> c.ChangeElderEnrolment:
        return c.ChangeElderEnrolment(uuid_of(self.resident_id, "Resident"), self.economic_status.value,
                                      self.disabled, tuple(n.value for n in self.dietary_needs), self.dietary_note,
                                      self.expected_version)


@strawberry.input(name="WithdrawElderInput", description="With a reason.")
class WithdrawElderInput:
    resident_id: strawberry.ID
    reason: str
    expected_version: int | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.WithdrawElder:
        return c.WithdrawElder(uuid_of(self.resident_id, "Resident"), self.expected_version)


# -- the rule table ------------------------------------------------------------------------------------------


@strawberry.input(name="MealRuleCategoryInput", description="One row: six shares in yuan that add up to the price.")
class MealRuleCategoryInput:
    category: SubsidyCategoryEnum = strawberry.field(
        description="The subsidy category the row is for.")  # type: ignore[valid-type]
    enterprise: str = strawberry.field(description="The operator's discount, in yuan.")
    city: str = strawberry.field(description="The city's subsidy, in yuan.")
    district: str = strawberry.field(description="The district's subsidy, in yuan.")
    street: str = strawberry.field(description="The street office's subsidy, in yuan.")
    charity: str = strawberry.field(description="The charity's share, in yuan.")
    elder: str = strawberry.field(description="What the elder pays at the counter, in yuan.")
    lost_shares_to: LostSharesPayerEnum = strawberry.field(
        description="Who pays a government share lost by eating outside one's own street or district.")  # type: ignore[valid-type]


@strawberry.input(name="PublishMealRuleInput", description="Admins only. A revision dated before today (or on or "
                                                           "before the latest) needs a correctionReason.")
class PublishMealRuleInput:
    effective_from: date = strawberry.field(description="The date the revision applies from.")
    price: str = strawberry.field(description="The base meal's price in yuan, e.g. \"12\".")
    categories: list[MealRuleCategoryInput] = strawberry.field(description="One row per subsidy category.")
    decision: str = strawberry.field(description="The published decision (at most 200 characters).")
    correction_reason: str | None = strawberry.field(default=None, description="At most 500 characters.")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.PublishMealRule:
        return c.PublishMealRule(self.effective_from, self.price, tuple(c.CategoryShares(
            r.category.value, r.enterprise, r.city, r.district, r.street, r.charity, r.elder, r.lost_shares_to.value)
            for r in self.categories), self.decision, self.correction_reason, self.expected_version)


# -- meals ---------------------------------------------------------------------------------------------------


@strawberry.input(description="One meal served.", name="MealLineInput")
class MealLineInput:
    resident_id: strawberry.ID = strawberry.field(description="An enrolled elder.")
    sitting: SittingEnum = strawberry.field(description="Which meal of the day.")  # type: ignore[valid-type]
    mode: ServiceModeEnum = strawberry.field(
        description="Eaten at the canteen or delivered.")  # type: ignore[valid-type]
    production_run_ids: list[strawberry.ID] = strawberry.field(description="1 to 4 runs cooked that day by the "
                                                                           "kitchen that supplies the canteen.")


@strawberry.input(name="RecordMealsInput", description="The canteen's own staff. One bad line records none.")
class RecordMealsInput:
    canteen_id: strawberry.ID
    served_on: date = strawberry.field(description="The day the meals were served.")
    meals: list[MealLineInput] = strawberry.field(description="1 to 500 meals.")
    correction_reason: str | None = strawberry.field(default=None, description="Required once the day's sheet is "
                                                                                "closed (late meals).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordMeals:
        return c.RecordMeals(uuid_of(self.canteen_id, "MealCanteen"), self.served_on, tuple(
            c.MealLine(uuid_of(m.resident_id, "Resident"), m.sitting.value, m.mode.value,
                       tuple(uuid_of(r, "ProductionRun") for r in m.production_run_ids)) for m in self.meals),
            self.correction_reason)


@strawberry.input(name="VoidMealInput", description="The canteen's staff or a supervisor of its district, with a "
                                                    "reason.")
class VoidMealInput:
    meal_id: strawberry.ID
    reason: str
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


@strawberry.input(name="CloseMealDayInput", description="The canteen's staff: the day's meals go to each elder's "
                                                        "timeline, summarised.")
class CloseMealDayInput:
    canteen_id: strawberry.ID
    served_on: date = strawberry.field(description="The day to close.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CloseMealDay:
        return c.CloseMealDay(uuid_of(self.canteen_id, "MealCanteen"), self.served_on)


# -- traceability --------------------------------------------------------------------------------------------


@strawberry.input(name="ReceiveSupplierBatchInput", description="The receiving kitchen's staff.")
class ReceiveSupplierBatchInput:
    canteen_id: strawberry.ID
    supplier: str = strawberry.field(description="The supplier's name, at most 120 characters.")
    product: str = strawberry.field(description="At most 120 characters.")
    quantity: str = strawberry.field(description="A decimal, e.g. \"30\".")
    unit: UnitEnum = strawberry.field(description="The unit of `quantity`.")  # type: ignore[valid-type]
    received_on: date = strawberry.field(description="The day it was received.")
    expires_on: date = strawberry.field(description="Its use-by date: expired batches cannot be cooked.")
    supplier_licence: str | None = strawberry.field(default=None, description=("The supplier's food business licence"
                                                                               " number."))
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ReceiveSupplierBatch:
        return c.ReceiveSupplierBatch(uuid_of(self.canteen_id, "MealCanteen"), self.supplier, self.product,
                                      self.quantity, self.unit.value, self.received_on, self.expires_on,
                                      self.supplier_licence)


@strawberry.input(name="RecordProductionRunInput", description="The kitchen's staff; no expired, recalled or "
                                                               "other kitchen's batch.")
class RecordProductionRunInput:
    canteen_id: strawberry.ID
    cooked_on: date = strawberry.field(description="The day it was cooked.")
    dish: str = strawberry.field(description="The dish, at most 120 characters.")
    portions: int = strawberry.field(description="Portions cooked.")
    supplier_batch_ids: list[strawberry.ID] = strawberry.field(description="1 to 30 batches.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordProductionRun:
        return c.RecordProductionRun(uuid_of(self.canteen_id, "MealCanteen"), self.cooked_on, self.dish,
                                     self.portions, tuple(uuid_of(b, "SupplierBatch") for b in self.supplier_batch_ids))


@strawberry.input(name="RecallSupplierBatchInput", description="Admins or supervisors of the batch's district, "
                                                               "with a reason; the canteens concerned are notified.")
class RecallSupplierBatchInput:
    supplier_batch_id: strawberry.ID
    hazard: str = strawberry.field(description="What is wrong (at most 500 characters).")
    reason: str
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecallSupplierBatch:
        return c.RecallSupplierBatch(uuid_of(self.supplier_batch_id, "SupplierBatch"), self.hazard)


@strawberry.input(name="RecordRecallFollowUpInput", description="Caseworkers and supervisors of the elder's home "
                                                                "district.")
class RecordRecallFollowUpInput:
    supplier_batch_id: strawberry.ID
    resident_id: strawberry.ID
    outcome: FollowUpOutcomeEnum = strawberry.field(
        description="What came of contacting the elder.")  # type: ignore[valid-type]
    note: str | None = strawberry.field(default=None, description="At most 2,000 characters (personal data).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordRecallFollowUp:
        return c.RecordRecallFollowUp(uuid_of(self.supplier_batch_id, "SupplierBatch"),
                                      uuid_of(self.resident_id, "Resident"), self.outcome.value, self.note)


@strawberry.input(name="SettleMealMonthInput", description="Supervisors (their district) or admins; a month that "
                                                           "is over. Running it again pays nobody twice.")
class SettleMealMonthInput:
    month: date = strawberry.field(description="Any day of the month.")
    district: str | None = strawberry.field(default=None, description="Default: the caller's district.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)
