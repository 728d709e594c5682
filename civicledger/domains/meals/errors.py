"""Expected failures of the meal service. Each subclasses a core error, so GraphQL answers with that error's
stable code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from civicledger.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)

# -- input ---------------------------------------------------------------------------------------------------


class MealValueInvalidError(InvalidInputError):
    """A value outside its allowed set or shape (a kind, a weekday, a quantity, a date)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class MealRuleSharesDoNotAddUpError(InvalidInputError):
    """A row of the rule table whose six shares do not add up to the meal's price."""

    def __init__(self, category: str, total: Decimal, price: Decimal) -> None:
        super().__init__(f"the shares of {category} add up to {total}, not to the price {price}",
                         field="categories", category=category, total=str(total), price=str(price))


class MealRuleIncompleteError(InvalidInputError):
    def __init__(self, missing: Iterable[str], repeated: Iterable[str]) -> None:
        missing, repeated = sorted(missing), sorted(repeated)
        super().__init__("the rule table needs exactly one row per subsidy category", field="categories",
                         missing=list(missing), repeated=list(repeated))


# -- not found -------------------------------------------------------------------------------------------------


class SupplierBatchNotFoundError(NotFoundError):
    def __init__(self, batch_id: UUID) -> None:
        super().__init__(f"supplier batch {batch_id} not found", id=str(batch_id))


class ProductionRunNotFoundError(NotFoundError):
    def __init__(self, run_id: UUID) -> None:
        super().__init__(f"production run {run_id} not found", id=str(run_id))


class MealNotFoundError(NotFoundError):
    def __init__(self, meal_id: UUID) -> None:
        super().__init__(f"meal {meal_id} is not on this day's sheet", id=str(meal_id))


# -- who may act -----------------------------------------------------------------------------------------------


class NotCanteenStaffError(ForbiddenError):
    def __init__(self, canteen_id: UUID, actor_id: str) -> None:
        super().__init__("only the canteen's own staff may do this for it", canteenId=str(canteen_id),
                         actorId=actor_id)


class MealAdministrationForbiddenError(ForbiddenError):
    def __init__(self, role: str, district: str | None) -> None:
        super().__init__("canteens are administered by admins or the district's supervisors", role=role,
                         district=district)


# -- rules ---------------------------------------------------------------------------------------------------


class ElderNotEnrolledError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("this resident is not enrolled in the meal service", residentId=str(resident_id))


class ElderAlreadyEnrolledError(ConflictError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("this resident is already enrolled in the meal service", residentId=str(resident_id))


class ElderTooYoungError(RuleViolationError):
    def __init__(self, resident_id: UUID, age: int) -> None:
        super().__init__("the meal service is for residents aged 60 and over", residentId=str(resident_id),
                         age=age)


class ElderNotEligibleError(RuleViolationError):
    """A resident the registry records as deceased or erased."""

    def __init__(self, resident_id: UUID, why: str) -> None:
        super().__init__(f"this resident cannot be served: {why}", residentId=str(resident_id))


class CanteenClosedError(RuleViolationError):
    def __init__(self, canteen_id: UUID, on: date, why: str) -> None:
        super().__init__(f"the canteen does not serve on {on.isoformat()}: {why}", canteenId=str(canteen_id),
                         date=on.isoformat())


class CanteenStatusError(RuleViolationError):
    def __init__(self, canteen_id: UUID, status: str, action: str) -> None:
        super().__init__(f"cannot {action} a canteen that is {status}", canteenId=str(canteen_id), status=status)


class CanteenKindError(RuleViolationError):
    def __init__(self, canteen_id: UUID, kind: str, needed: str) -> None:
        super().__init__(f"this needs a {needed}, not a {kind}", canteenId=str(canteen_id), kind=kind)


class MealRuleNotInForceError(RuleViolationError):
    def __init__(self, on: date) -> None:
        super().__init__(f"no meal subsidy rule is in force on {on.isoformat()}", date=on.isoformat())


class MealRuleBackdatedError(RuleViolationError):
    """A revision that changes what was already in force (dated before today, or on or before the latest
    revision's date) corrects history and must say why."""

    def __init__(self, effective_from: date, latest: date, today: date) -> None:
        super().__init__(
            f"a revision effective {effective_from.isoformat()} changes rules already in force (latest"
            f" {latest.isoformat()}, today {today.isoformat()}): give a correction reason",
            field="correctionReason", latestEffectiveFrom=latest.isoformat())


class MealAlreadyServedError(RuleViolationError):
    def __init__(self, resident_id: UUID, sitting: str, on: date) -> None:
        super().__init__(f"this elder already has a {sitting.lower()} on {on.isoformat()} here",
                         residentId=str(resident_id), sitting=sitting, date=on.isoformat())


class MealDayClosedError(RuleViolationError):
    def __init__(self, on: date) -> None:
        super().__init__(f"the sheet of {on.isoformat()} is closed: late meals need a correction reason",
                         field="correctionReason", date=on.isoformat())


class MealAlreadyVoidedError(RuleViolationError):
    def __init__(self, meal_id: UUID) -> None:
        super().__init__("this meal was already voided", mealId=str(meal_id))


class SupplierBatchExpiredError(RuleViolationError):
    def __init__(self, batch_id: UUID, expires_on: date, cooked_on: date) -> None:
        super().__init__(f"batch expired on {expires_on.isoformat()}, before cooking on {cooked_on.isoformat()}",
                         batchId=str(batch_id), expiresOn=expires_on.isoformat())


class SupplierBatchNotYetReceivedError(RuleViolationError):
    def __init__(self, batch_id: UUID, received_on: date) -> None:
        super().__init__(f"batch was received only on {received_on.isoformat()}", batchId=str(batch_id))


class SupplierBatchRecalledError(RuleViolationError):
    def __init__(self, batch_id: UUID, recalled_on: date) -> None:
        super().__init__(f"batch was recalled on {recalled_on.isoformat()}", batchId=str(batch_id),
                         recalledOn=recalled_on.isoformat())


class SupplierBatchNotInKitchenError(RuleViolationError):
    def __init__(self, batch_id: UUID, canteen_id: UUID) -> None:
        super().__init__("the batch was received by another kitchen", batchId=str(batch_id),
                         canteenId=str(canteen_id))


class SupplierBatchAlreadyRecalledError(ConflictError):
    def __init__(self, batch_id: UUID) -> None:
        super().__init__("this batch is already recalled", batchId=str(batch_id))


class SupplierBatchNotRecalledError(RuleViolationError):
    def __init__(self, batch_id: UUID) -> None:
        super().__init__("follow-up is recorded only for a recalled batch", batchId=str(batch_id))


class ProductionRunNotServedHereError(RuleViolationError):
    def __init__(self, run_id: UUID, canteen_id: UUID) -> None:
        super().__init__("the production run was cooked by a kitchen that does not supply this canteen",
                         runId=str(run_id), canteenId=str(canteen_id))


class ProductionRunDateMismatchError(RuleViolationError):
    def __init__(self, run_id: UUID, cooked_on: date, served_on: date) -> None:
        super().__init__(f"the run was cooked on {cooked_on.isoformat()}; meals are served the day they are"
                         f" cooked, not on {served_on.isoformat()}", runId=str(run_id))


class SettlementMonthNotOverError(RuleViolationError):
    def __init__(self, month: date, today: date) -> None:
        super().__init__(f"{month:%Y-%m} is settled once it is over (today is {today.isoformat()})",
                         month=month.isoformat())


class MealDayAlreadyClosedError(RuleViolationError):
    def __init__(self, on: date) -> None:
        super().__init__(f"the sheet of {on.isoformat()} is already closed", date=on.isoformat())
