"""Commands of venture philanthropy: what the bureau's admins, the districts' supervisors and the charity
platforms (integrators) ask for. Enum values and money arrive as given (strings, numbers, in yuan) and are checked
by the service, so that a bad value is a typed error rather than a crash in the API layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

Amount = Decimal | str | int

# -- rounds ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionWeight:
    code: str
    weight: int


@dataclass(frozen=True)
class OpenFundingRound:
    title: str
    year: int
    categories: tuple[str, ...]
    budget: Amount
    opens_on: date
    closes_on: date
    criteria: tuple[CriterionWeight, ...]


@dataclass(frozen=True)
class AppointReviewer:
    round_id: UUID
    reviewer_id: str
    expertise: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseFundingCall:
    round_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RankFundingRound:
    round_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class FinaliseFundingRound:
    round_id: UUID
    expected_version: int | None = None


# -- proposals ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMilestone:
    title: str
    due_on: date
    grant: Amount


@dataclass(frozen=True)
class SubmitProposal:
    round_id: UUID
    organisation: str
    title: str
    category: str
    district: str
    summary: str
    total_budget: Amount
    requested_grant: Amount
    beneficiaries: int
    milestones: tuple[PlannedMilestone, ...]


@dataclass(frozen=True)
class CheckEligibility:
    proposal_id: UUID
    eligible: bool
    findings: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeclareReviewerConflict:
    proposal_id: UUID
    reviewer_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ScoreLine:
    code: str
    score: int


@dataclass(frozen=True)
class RecordReview:
    proposal_id: UUID
    reviewer_id: str
    scores: tuple[ScoreLine, ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class AwardGrant:
    proposal_id: UUID
    approved_budget: Amount
    grant: Amount
    expected_version: int | None = None


@dataclass(frozen=True)
class RejectProposal:
    proposal_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordMilestone:
    proposal_id: UUID
    milestone: int
    reached_on: date
    report: str
    expected_version: int | None = None


@dataclass(frozen=True)
class EnrolBeneficiary:
    proposal_id: UUID
    resident_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class DisburseGrant:
    proposal_id: UUID
    milestone: int
    amount: Amount
    expected_version: int | None = None


@dataclass(frozen=True)
class EvaluateProject:
    proposal_id: UUID
    stage: str
    project_management: str
    financial_management: str
    findings: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseProject:
    proposal_id: UUID
    expected_version: int | None = None
