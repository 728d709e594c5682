"""Expected failures of the time bank. Each subclasses a core error, so GraphQL answers with that error's stable
code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from civicledger.core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError, RuleViolationError


class TimeBankValueInvalidError(InvalidInputError):
    """A value outside its allowed shape (hours, a date, a category)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class ServiceRecordNotFoundError(NotFoundError):
    def __init__(self, record_id: UUID) -> None:
        super().__init__(f"service record {record_id} not found", id=str(record_id))


class TimeAccountNotFoundError(NotFoundError):
    """The volunteer has no verified hours yet: nothing to redeem or transfer."""

    def __init__(self, resident_id: UUID) -> None:
        super().__init__(f"resident {resident_id} has no time-bank account (no verified hours yet)",
                         residentId=str(resident_id))


class NotTheOrganiserError(ForbiddenError):
    """Only the organising party (the office named on the record) verifies or rejects a service record."""

    def __init__(self, record_id: UUID, organiser_office: str) -> None:
        super().__init__("only the organising party may verify or reject this service record",
                         recordId=str(record_id), organiserOffice=organiser_office)


class OwnRecordError(ForbiddenError):
    """Hours feed the social-credit system: whoever recorded a service does not also vouch for it."""

    def __init__(self, record_id: UUID) -> None:
        super().__init__("whoever recorded a service record may not verify it: another of the organising party's "
                         "staff does", recordId=str(record_id), rule="FOUR_EYES")


class ServiceRecordNotPendingError(RuleViolationError):
    """A record is verified or rejected once; a verified record is never verified again."""

    def __init__(self, record_id: UUID, status: str) -> None:
        super().__init__(f"service record {record_id} is {status}, not PENDING", recordId=str(record_id),
                         status=status)


class ServiceRecordNotVerifiedError(RuleViolationError):
    """Unverified hours are never banked, redeemed or exported."""

    def __init__(self, record_id: UUID, status: str) -> None:
        super().__init__(f"service record {record_id} is {status}: only verified records count",
                         recordId=str(record_id), status=status)


class InsufficientHoursError(RuleViolationError):
    """A balance never goes negative: redeeming or transferring more hours than are banked is refused."""

    def __init__(self, resident_id: UUID, requested: Decimal, balance: Decimal) -> None:
        super().__init__(f"{requested} hours requested but only {balance} banked", residentId=str(resident_id),
                         requested=str(requested), balance=str(balance))


class NotSameHouseholdError(RuleViolationError):
    """Hours are transferred only between members of one household (the registry's)."""

    def __init__(self, household_id: UUID, resident_id: UUID) -> None:
        super().__init__(f"resident {resident_id} is not a member of household {household_id}",
                         householdId=str(household_id), residentId=str(resident_id))


class TransferLimitExceededError(RuleViolationError):
    """A transfer above the per-transfer limit, or past the yearly limit of hours given away."""

    def __init__(self, requested: Decimal, limit: Decimal, already: Decimal, year: int) -> None:
        super().__init__(f"{requested} hours would exceed the transfer limit of {limit} hours in {year}"
                         f" ({already} already transferred)", requested=str(requested), limit=str(limit),
                         alreadyTransferred=str(already), year=year)


class VolunteerUnavailableError(RuleViolationError):
    """An erased or deceased resident's account takes no new entries."""

    def __init__(self, resident_id: UUID, why: str) -> None:
        super().__init__(f"resident {resident_id} {why}", residentId=str(resident_id))


class TimeAccountBusyError(ConflictError):
    """Concurrent changes kept winning the race for the account: retry (nothing was written)."""

    def __init__(self, subject: object, attempts: int) -> None:
        super().__init__(f"the time account kept changing ({attempts} attempts): retry", subject=str(subject),
                         attempts=attempts, retryable=True)
