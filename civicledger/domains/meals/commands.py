"""Commands of the meal service: what canteen staff, caseworkers, supervisors, admins or a process ask for.

Enum values and money arrive as given (strings, numbers) and are checked by the service, so that a bad value
is a typed error rather than a crash in the API layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

Amount = Decimal | str | int

# -- canteens ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterCanteen:
    name: str
    kind: str
    operator_type: str
    operator_name: str
    district: str
    street: str
    capacity: int
    opening_days: tuple[int, ...]
    office: str
    kitchen_id: UUID | None = None  # a delivery point: the canteen whose kitchen supplies it
    charity_fund: str | None = None


@dataclass(frozen=True)
class CloseCanteen:
    canteen_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ReopenCanteen:
    canteen_id: UUID
    expected_version: int | None = None


# -- elders -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolElder:
    resident_id: UUID
    economic_status: str
    disabled: bool = False
    dietary_needs: tuple[str, ...] = ()
    dietary_note: str | None = None


@dataclass(frozen=True)
class ChangeElderEnrolment:
    resident_id: UUID
    economic_status: str
    disabled: bool = False
    dietary_needs: tuple[str, ...] = ()
    dietary_note: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class WithdrawElder:
    resident_id: UUID
    expected_version: int | None = None


# -- the rule table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryShares:
    """One row of a rule revision, as given: six shares in yuan and who pays lost shares."""

    category: str
    enterprise: Amount
    city: Amount
    district: Amount
    street: Amount
    charity: Amount
    elder: Amount
    lost_shares_to: str


@dataclass(frozen=True)
class PublishMealRule:
    effective_from: date
    price: Amount
    categories: tuple[CategoryShares, ...]
    decision: str
    correction_reason: str | None = None
    expected_version: int | None = None


# -- meals ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealLine:
    resident_id: UUID
    sitting: str
    mode: str
    run_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class RecordMeals:
    canteen_id: UUID
    served_on: date
    meals: tuple[MealLine, ...]
    correction_reason: str | None = None  # required for late meals, once the day's sheet is closed


@dataclass(frozen=True)
class VoidMeal:
    canteen_id: UUID
    served_on: date
    meal_id: UUID


@dataclass(frozen=True)
class CloseMealDay:
    canteen_id: UUID
    served_on: date


# -- traceability -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveSupplierBatch:
    canteen_id: UUID
    supplier: str
    product: str
    quantity: Amount
    unit: str
    received_on: date
    expires_on: date
    supplier_licence: str | None = None


@dataclass(frozen=True)
class RecordProductionRun:
    canteen_id: UUID
    cooked_on: date
    dish: str
    portions: int
    batch_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class RecallSupplierBatch:
    batch_id: UUID
    hazard: str


@dataclass(frozen=True)
class NotifyCanteenOfRecall:
    batch_id: UUID
    canteen_id: UUID


@dataclass(frozen=True)
class RecordRecallFollowUp:
    batch_id: UUID
    resident_id: UUID
    outcome: str
    note: str | None = None


# -- settlement -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettleCanteenMonth:
    canteen_id: UUID
    month: date


@dataclass(frozen=True)
class SettleMealMonth:
    """Every listed canteen's month, each in its own transaction, keyed per canteen."""

    month: date
    district: str | None
    canteen_ids: tuple[UUID, ...]
