"""Expected failures of social-work casework. Each subclasses a core error, so GraphQL answers with that
error's stable code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from civicledger.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)

# -- input ---------------------------------------------------------------------------------------------


class CaseworkValueInvalidError(InvalidInputError):
    """A value outside its allowed set or shape (a blank text, a date in the future, an unknown kind...)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class CaseworkServiceUnknownError(InvalidInputError):
    def __init__(self, code: str, field: str, allowed: list[str]) -> None:
        super().__init__(f"unknown casework service {code!r}", field=field, value=code, allowed=allowed)


class GoalOutcomesIncompleteError(InvalidInputError):
    """A case closes with one outcome for every goal of its current plan, and for no other."""

    def __init__(self, case_id: UUID, missing: Iterable[int], unknown: Iterable[int]) -> None:
        missing, unknown = sorted(missing), sorted(unknown)
        super().__init__("give one outcome for every goal of the service plan, and only for those",
                         field="goalOutcomes", caseId=str(case_id), missingGoals=missing, unknownGoals=unknown)


class GoalUnknownError(InvalidInputError):
    def __init__(self, field: str, numbers: Iterable[int]) -> None:
        super().__init__("no such goal in the current service plan", field=field, goals=sorted(numbers))


# -- not found -----------------------------------------------------------------------------------------


class CaseworkStationNotFoundError(NotFoundError):
    def __init__(self, station_id: UUID, field: str = "stationId") -> None:
        super().__init__(f"casework station {station_id} not found", id=str(station_id), field=field)


# -- who may act ---------------------------------------------------------------------------------------


class NotStationSocialWorkerError(ForbiddenError):
    """Case work (assessment, plans, sessions, reviews, closure) is done by the social workers of the station
    that holds the case."""

    def __init__(self, station_id: UUID, actor_id: str) -> None:
        super().__init__("only the social workers of the station that holds the case may do this",
                         stationId=str(station_id), actorId=actor_id)


class StationAdministrationForbiddenError(ForbiddenError):
    def __init__(self, role: str, district: str | None = None) -> None:
        super().__init__("only an admin, or a supervisor of the station's district, registers stations and their "
                         "social workers", role=role, district=district)


# -- rules ---------------------------------------------------------------------------------------------


class CaseworkCaseClosedError(RuleViolationError):
    """A closed case never changes."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__("the case is closed", caseId=str(case_id), status="CLOSED")


class CaseworkCaseStateError(RuleViolationError):
    """The step does not fit the case's stage (a review before any plan, a second assessment...)."""

    def __init__(self, case_id: UUID, status: str, needed: Iterable[str]) -> None:
        super().__init__(f"not possible while the case is {status}", caseId=str(case_id), status=status,
                         needed=list(needed))


class StationServiceNotOfferedError(RuleViolationError):
    def __init__(self, station_id: UUID, service: str) -> None:
        super().__init__("the station does not run this service", stationId=str(station_id), service=service)


class TransferToSameStationError(RuleViolationError):
    def __init__(self, station_id: UUID) -> None:
        super().__init__("the case is already held by this station", stationId=str(station_id))


class ResidentNotServableError(RuleViolationError):
    """A case is not opened for a resident whose death is recorded or whose data was erased."""

    def __init__(self, resident_id: UUID, why: str) -> None:
        super().__init__(f"no casework for this resident: {why}", residentId=str(resident_id))


class SocialWorkerUnknownError(RuleViolationError):
    def __init__(self, station_id: UUID, staff_id: str) -> None:
        super().__init__("not a social worker of this station", stationId=str(station_id), staffId=staff_id)


class SocialWorkerAlreadyAddedError(ConflictError):
    def __init__(self, station_id: UUID, staff_id: str) -> None:
        super().__init__("already a social worker of this station", stationId=str(station_id), staffId=staff_id)


class CaseworkCaseAlreadyOpenError(ConflictError):
    """One open case per resident and service, city-wide (under concurrency: a unique claim)."""

    def __init__(self, service: str) -> None:
        super().__init__("the resident already has an open casework case for this service", service=service)


class StationOfficeTakenError(ConflictError):
    def __init__(self, office: str) -> None:
        super().__init__("another station already has this office code", office=office)
