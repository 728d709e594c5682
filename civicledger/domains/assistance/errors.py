"""Typed errors of the assistance program; the base class fixes the GraphQL code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from civicledger.core.errors import ConflictError, InvalidInputError, RuleViolationError


class AssistanceProgramUnknownError(InvalidInputError):
    def __init__(self, value: object) -> None:
        from civicledger.domains.assistance.programs import Program

        super().__init__(f"unknown assistance program {value!r}", field="program",
                         allowed=[p.value for p in Program])


class DeclaredMeansInvalidError(InvalidInputError):
    """A declared income or asset figure that is negative or not a number."""

    def __init__(self, resident_id: UUID, field: str, value: object) -> None:
        super().__init__(f"declared {field} must be a non-negative number of yuan, not {value!r}",
                         field=field, residentId=str(resident_id))


class DeclaredMembersInvalidError(InvalidInputError):
    def __init__(self, message: str, resident_ids: Iterable[UUID] = ()) -> None:
        super().__init__(message, field="declared", residentIds=[str(r) for r in resident_ids])


class ApplicantNotInHouseholdError(InvalidInputError):
    def __init__(self, applicant_id: UUID) -> None:
        super().__init__("the applicant must be a member of the household", field="applicantId",
                         residentId=str(applicant_id))


class NeedInvalidError(InvalidInputError):
    def __init__(self, program: str) -> None:
        super().__init__(f"{program} needs the amount of the need (a positive number of yuan)", field="need")


class HouseholdMemberDeceasedError(RuleViolationError):
    def __init__(self, resident_id: UUID) -> None:
        super().__init__("a household member is recorded as deceased: update the household first",
                         residentId=str(resident_id))


class MemberInActiveCaseError(ConflictError):
    def __init__(self, program: str) -> None:
        super().__init__(f"a member of this household already belongs to an active {program} case",
                         program=program)


class AssistanceCaseStateError(RuleViolationError):
    """The command does not fit where the case is in its life cycle."""

    def __init__(self, case_id: UUID, status: str, action: str) -> None:
        super().__init__(f"cannot {action} a case that is {status}", caseId=str(case_id), status=status,
                         action=action)


class VerificationIncompleteError(RuleViolationError):
    def __init__(self, missing: Iterable[str]) -> None:
        names = sorted(missing)
        super().__init__("cannot assess while mandatory verification sources are missing: " + ", ".join(names),
                         missingSources=names)


class AssessorCannotDecideError(RuleViolationError):
    """Maker-checker: the person who assessed a case never decides it."""

    def __init__(self, actor_id: str) -> None:
        super().__init__("the assessor of a case cannot approve or reject it (maker-checker)", actor=actor_id)


class AssessmentIneligibleError(RuleViolationError):
    def __init__(self, findings: Iterable[str]) -> None:
        super().__init__("the assessment found the household ineligible: reject, or re-assess",
                         findings=sorted(findings))


class PublicNoticeRequiredError(RuleViolationError):
    def __init__(self) -> None:
        super().__init__("this program requires a public notice before approval")


class PublicNoticeRunningError(RuleViolationError):
    def __init__(self, ends_on: date) -> None:
        super().__init__(f"the public notice runs until {ends_on.isoformat()}", endsOn=ends_on.isoformat())


class NoticeDaysInvalidError(InvalidInputError):
    def __init__(self, days: int) -> None:
        super().__init__("a public notice lasts between 1 and 30 days", field="days", value=days)


class PayrollMonthInFutureError(InvalidInputError):
    def __init__(self, month: date, current: date) -> None:
        super().__init__(f"cannot generate entitlements for {month:%Y-%m}, a future month",
                         field="month", month=f"{month:%Y-%m}", currentMonth=f"{current:%Y-%m}")


class StandardEffectiveDateInvalidError(InvalidInputError):
    def __init__(self, effective_from: date) -> None:
        super().__init__("standards take effect on the first day of a month", field="effectiveFrom",
                         value=effective_from.isoformat())


class StandardBackdatedError(RuleViolationError):
    """A revision dated on or before the latest one corrects history and must say why."""

    def __init__(self, effective_from: date, current: date) -> None:
        super().__init__(
            f"effective date {effective_from.isoformat()} is not after the current standard's"
            f" ({current.isoformat()}): give a correction reason", field="correctionReason",
            currentEffectiveFrom=current.isoformat(),
        )


class StandardAmountInvalidError(InvalidInputError):
    def __init__(self, field: str, value: object) -> None:
        super().__init__(f"{field} must be a positive number", field=field, value=str(value))


class StandardNotInForceError(RuleViolationError):
    def __init__(self, program: str, on: date) -> None:
        super().__init__(f"no {program} standard is in force on {on.isoformat()}", program=program,
                         date=on.isoformat())
