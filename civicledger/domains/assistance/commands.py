"""Commands of the assistance program: what a caseworker, a supervisor, an admin or a process asks for.

Money arrives as given (numbers or numeric strings) and is checked by the service, so that a bad figure is a
typed error rather than a crash in the API layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from civicledger.core.means import Amount, DeclaredMeans


@dataclass(frozen=True)
class ApplyForAssistance:
    program: str
    household_id: UUID
    applicant_id: UUID
    declared: tuple[DeclaredMeans, ...]
    statement: str
    referral_id: UUID | None = None
    need: Amount | None = None  # temporary assistance: the one-off need in yuan


@dataclass(frozen=True)
class RequestHouseholdVerification:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RetryHouseholdVerification:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class AssessAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class PostPublicNotice:
    case_id: UUID
    days: int = 7
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordObjection:
    case_id: UUID
    summary: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ApproveAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RejectAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class GenerateMonthlyEntitlement:
    case_id: UUID
    month: date


@dataclass(frozen=True)
class GeneratePayroll:
    """A month's entitlements for these live cases (of a district and program, as the caseload lists them)."""

    month: date
    program: str | None = None
    district: str | None = None
    case_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class RecalculateAssistance:
    """Bring a case in line with its program's published standards (issued by the recalculation process)."""

    case_id: UUID
    standard_revision: int


@dataclass(frozen=True)
class ReportChangeOfCircumstances:
    case_id: UUID
    declared: tuple[DeclaredMeans, ...]
    statement: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteReview:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class SuspendAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ResumeAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class TerminateAssistance:
    case_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class PublishAssistanceStandard:
    program: str
    effective_from: date
    amount: Amount
    asset_limit_per_person: Amount | None = None
    share: Amount | None = None
    correction_reason: str | None = None


@dataclass(frozen=True)
class PreviewAssistanceStandard:
    program: str
    effective_from: date
    amount: Amount
    asset_limit_per_person: Amount | None = None
    share: Amount | None = None
    correction_reason: str | None = None
