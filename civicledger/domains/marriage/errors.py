"""Expected failures of marriage registration. Each subclasses a core error, so GraphQL answers with that error's
stable code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); `rule` names the rule broken, also
stable (`UNDER_AGE`, `ALREADY_MARRIED`, `COOLING_OFF` ...), and the other fields say what to fix."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from civicledger.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)


class MarriageValueInvalidError(InvalidInputError):
    """A value outside its allowed set or shape (an office, a slot, a date, a kind)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class SamePersonTwiceError(InvalidInputError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the two parties are the same person", field="partyB", rule="SAME_PERSON",
                         residentId=str(resident_id))


class MarriageNotFoundError(NotFoundError):
    def __init__(self, marriage_id: UUID) -> None:
        super().__init__(f"marriage registration {marriage_id} not found", id=str(marriage_id))


class AppointmentNotFoundError(NotFoundError):
    def __init__(self, appointment_id: UUID) -> None:
        super().__init__(f"marriage appointment {appointment_id} not found", id=str(appointment_id))


class PartyNotInRegistryError(NotFoundError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("this party is not in the resident registry", residentId=str(resident_id),
                         rule="NOT_IN_REGISTRY")


# -- who may act -----------------------------------------------------------------------------------------------


class MarriageOfficeForbiddenError(ForbiddenError):
    def __init__(self, office: str, your_district: str | None) -> None:
        super().__init__("staff register only at their own district's marriage office", office=office,
                         yourDistrict=your_district)


class CorrectionForbiddenError(ForbiddenError):
    def __init__(self, role: str) -> None:
        super().__init__("corrections are made by a supervisor of the registering office's district (or an admin)",
                         role=role, rule="SUPERVISOR_ONLY")


# -- rules -----------------------------------------------------------------------------------------------------


class UnderAgeError(RuleViolationError):
    def __init__(self, resident_id: UUID, age: int, minimum: int, on: date) -> None:
        super().__init__(f"below the legal age of marriage ({minimum}) on {on.isoformat()}", rule="UNDER_AGE",
                         residentId=str(resident_id), age=age, minimumAge=minimum, date=on.isoformat())


class AlreadyMarriedError(ConflictError):
    def __init__(self, resident_id: UUID | None) -> None:
        super().__init__("a party already has a live marriage registration", rule="ALREADY_MARRIED",
                         residentId=str(resident_id) if resident_id else None)


class NotAManAndAWomanError(RuleViolationError):
    def __init__(self) -> None:
        super().__init__("marriage is registered between a man and a woman (Civil Code art. 1049)",
                         rule="GENDERS")


class PartyIneligibleError(RuleViolationError):
    """A party the registry records as deceased or erased."""

    def __init__(self, resident_id: UUID, why: str) -> None:
        super().__init__(f"this party cannot be registered: {why}", rule="INELIGIBLE", residentId=str(resident_id))


class MarriageNotLiveError(RuleViolationError):
    def __init__(self, marriage_id: UUID, status: str) -> None:
        super().__init__(f"the marriage is {status}", rule="NOT_LIVE", marriageId=str(marriage_id), status=status)


class DivorcePendingError(ConflictError):
    def __init__(self, marriage_id: UUID, applied_on: date) -> None:
        super().__init__("a divorce application is already pending", rule="DIVORCE_PENDING",
                         marriageId=str(marriage_id), appliedOn=applied_on.isoformat())


class NoDivorceApplicationError(RuleViolationError):
    def __init__(self, marriage_id: UUID) -> None:
        super().__init__("there is no pending divorce application", rule="NO_APPLICATION",
                         marriageId=str(marriage_id))


class CoolingOffPeriodError(RuleViolationError):
    def __init__(self, applied_on: date, earliest: date) -> None:
        super().__init__("the 30-day cooling-off period has not ended", rule="COOLING_OFF",
                         appliedOn=applied_on.isoformat(), earliestDate=earliest.isoformat())


class CoolingOffOverError(RuleViolationError):
    def __init__(self, applied_on: date, ended: date) -> None:
        super().__init__("the cooling-off period is over: an application is withdrawn only during it",
                         rule="COOLING_OFF_OVER", appliedOn=applied_on.isoformat(), ended=ended.isoformat())


class DivorceApplicationLapsedError(RuleViolationError):
    def __init__(self, applied_on: date, last_day: date) -> None:
        super().__init__("the divorce application lapsed: it was not registered within 30 days after the "
                         "cooling-off period; apply again", rule="LAPSED", appliedOn=applied_on.isoformat(),
                         lastDay=last_day.isoformat())


class NotAPartyError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("this resident is not a party to the marriage", rule="NOT_A_PARTY",
                         residentId=str(resident_id))


class NothingToCorrectError(InvalidInputError):
    def __init__(self) -> None:
        super().__init__("the correction changes nothing", field="input", rule="NOTHING_TO_CORRECT")


class AppointmentStatusError(RuleViolationError):
    def __init__(self, appointment_id: UUID, status: str, action: str) -> None:
        super().__init__(f"cannot {action} an appointment that is {status}", rule="APPOINTMENT_STATUS",
                         appointmentId=str(appointment_id), status=status)


class AppointmentMismatchError(RuleViolationError):
    def __init__(self, appointment_id: UUID, why: str) -> None:
        super().__init__(f"the appointment does not match: {why}", rule="APPOINTMENT_MISMATCH",
                         appointmentId=str(appointment_id))


class PartyNotDeceasedError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("the registry records no death of this resident", rule="NOT_DECEASED",
                         residentId=str(resident_id))
