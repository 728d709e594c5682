"""A social organisation's proposal to a funding round, and — once awarded — its project."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.philanthropy.errors import (
    DisbursementExceedsGrantError,
    MilestoneNotReachedError,
    PhilanthropyValueInvalidError,
    ReviewAlreadyRecordedError,
    ReviewerConflictError,
    SelfRaisedShareTooLowError,
    StepOutOfOrderError,
)
from civicledger.domains.philanthropy.values import (
    GOVERNMENT_SHARE_PERCENT,
    Category,
    CriterionScore,
    EvaluationStage,
    Milestone,
    ProposalStatus,
    Rating,
)

S = ProposalStatus
UNDER_WAY = (S.AWARDED, S.IN_PROGRESS)


def check_public_share(field: str, budget_fen: int, public_fen: int) -> None:
    """The 60/40 rule: public money at most 60% of the budget (so at least 40% self-raised)."""
    if public_fen * 100 > budget_fen * GOVERNMENT_SHARE_PERCENT:
        raise SelfRaisedShareTooLowError(field, budget_fen, public_fen)


class Proposal(CivicAggregate):
    """Moves in order: submitted → eligibility checked → reviewed → ranked → awarded or rejected → milestones and
    disbursements → mid-term and final evaluation → closed. The public share never exceeds 60% of the budget
    (asked or approved); disbursements never exceed the grant; a reviewer who declared a conflict of interest
    never scores it, and a score given before the declaration no longer counts."""

    class Submitted(CivicAggregate.Created):
        round_id: UUID
        organisation: str
        title: str
        category: Category
        district: str
        summary: str
        total_budget_fen: int
        requested_fen: int
        beneficiaries: int
        milestones: tuple[Milestone, ...]
        platform: str | None  # the submitting charity platform's office (an integrator's); None: by an admin

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["platform"] = None  # submitted before platforms were recorded: only admins act for it

    class EligibilityChecked(CivicAggregate.Event):
        eligible: bool
        findings: str

    class ConflictDeclared(CivicAggregate.Event):
        reviewer_id: str

    class Reviewed(CivicAggregate.Event):
        reviewer_id: str
        scores: tuple[CriterionScore, ...]
        weighted_x100: int  # the weighted score (0..100) in hundredths

    class Ranked(CivicAggregate.Event):
        rank: int
        score_x100: int

    class Awarded(CivicAggregate.Event):
        approved_budget_fen: int
        grant_fen: int

    class Rejected(CivicAggregate.Event):
        rank: int | None

    class MilestoneReached(CivicAggregate.Event):
        index: int
        reached_on: date
        report: str

    class BeneficiaryEnrolled(CivicAggregate.Event):
        resident_id: UUID
        organisation: str

    class Disbursed(CivicAggregate.Event):
        index: int
        amount_fen: int

    class Evaluated(CivicAggregate.Event):
        stage: EvaluationStage
        project_management: Rating
        financial_management: Rating
        findings: str

    class Closed(CivicAggregate.Event):
        disbursed_fen: int

    @event(Submitted)
    def __init__(self, round_id: UUID, organisation: str, title: str, category: Category, district: str,
                 summary: str, total_budget_fen: int, requested_fen: int, beneficiaries: int,
                 milestones: tuple[Milestone, ...], platform: str | None = None) -> None:
        self.round_id = round_id
        self.platform = platform
        self.organisation = organisation
        self.title = title
        self.category = category
        self.district = district
        self.summary = summary
        self.total_budget_fen = total_budget_fen
        self.requested_fen = requested_fen
        self.beneficiaries = beneficiaries
        self.milestones = tuple(milestones)
        self.status = S.SUBMITTED
        self.conflicts: set[str] = set()
        self.reviews: dict[str, int] = {}
        self.rank: int | None = None
        self.score_x100: int | None = None
        self.approved_budget_fen: int | None = None
        self.grant_fen = 0
        self.reached: set[int] = set()
        self.disbursed_fen = 0
        self.evaluations: set[EvaluationStage] = set()
        self.enrolled: set[UUID] = set()

    @classmethod
    def submit(cls, *, round_id: UUID, organisation: str, title: str, category: Category, district: str,
               summary: str, total_budget_fen: int, requested_fen: int, beneficiaries: int,
               milestones: tuple[Milestone, ...], platform: str | None = None) -> Proposal:
        check_public_share("requestedGrant", total_budget_fen, requested_fen)
        planned = sum(m.grant_fen for m in milestones)
        if planned != requested_fen:
            raise PhilanthropyValueInvalidError("milestones", "the milestones' grants must add up to the grant asked",
                                                planned=planned, requested=requested_fen)
        return cls(round_id=round_id, organisation=organisation, title=title, category=category, district=district,
                   summary=summary, total_budget_fen=total_budget_fen, requested_fen=requested_fen,
                   beneficiaries=beneficiaries, milestones=milestones, platform=platform)

    @property
    def self_raised_fen(self) -> int:
        budget = self.approved_budget_fen if self.approved_budget_fen is not None else self.total_budget_fen
        return budget - (self.grant_fen if self.approved_budget_fen is not None else self.requested_fen)

    def _require(self, step: str, *statuses: ProposalStatus) -> None:
        if self.status not in statuses:
            raise StepOutOfOrderError("proposal", self.id, self.status.value, step)

    # -- eligibility and review -------------------------------------------------------------------------

    def check_eligibility(self, eligible: bool, findings: str) -> None:
        self._require("check eligibility", S.SUBMITTED)
        self._eligibility_checked(eligible=eligible, findings=findings)

    @event(EligibilityChecked)
    def _eligibility_checked(self, eligible: bool, findings: str) -> None:
        self.status = S.ELIGIBLE if eligible else S.INELIGIBLE

    def declare_conflict(self, reviewer_id: str) -> None:
        self._require("declare a conflict of interest", S.SUBMITTED, S.ELIGIBLE)
        if reviewer_id not in self.conflicts:
            self._conflict_declared(reviewer_id=reviewer_id)

    @event(ConflictDeclared)
    def _conflict_declared(self, reviewer_id: str) -> None:
        self.conflicts.add(reviewer_id)

    def review(self, reviewer_id: str, scores: tuple[CriterionScore, ...], weighted_x100: int) -> None:
        self._require("record a review", S.ELIGIBLE)
        if reviewer_id in self.conflicts:
            raise ReviewerConflictError(self.id, reviewer_id)
        if reviewer_id in self.reviews:
            raise ReviewAlreadyRecordedError(self.id, reviewer_id)
        self._reviewed(reviewer_id=reviewer_id, scores=scores, weighted_x100=weighted_x100)

    @event(Reviewed)
    def _reviewed(self, reviewer_id: str, scores: tuple[CriterionScore, ...], weighted_x100: int) -> None:
        self.reviews[reviewer_id] = weighted_x100

    def valid_score_x100(self) -> int | None:
        """The mean weighted score of the reviewers without a declared conflict (hundredths, half up)."""
        counted = [s for reviewer, s in self.reviews.items() if reviewer not in self.conflicts]
        if not counted:
            return None
        return (2 * sum(counted) + len(counted)) // (2 * len(counted))

    def place(self, rank: int, score_x100: int) -> None:
        self._require("be ranked", S.ELIGIBLE)
        self._ranked(rank=rank, score_x100=score_x100)

    @event(Ranked)
    def _ranked(self, rank: int, score_x100: int) -> None:
        self.rank = rank
        self.score_x100 = score_x100
        self.status = S.RANKED

    # -- the decision -----------------------------------------------------------------------------------

    def award(self, approved_budget_fen: int, grant_fen: int) -> None:
        self._require("be awarded", S.RANKED)
        if approved_budget_fen > self.total_budget_fen:
            raise PhilanthropyValueInvalidError("approvedBudget", "more than the budget proposed")
        if grant_fen > self.requested_fen:
            raise PhilanthropyValueInvalidError("grant", "more than the grant asked")
        if grant_fen <= 0:
            raise PhilanthropyValueInvalidError("grant", "must be more than zero")
        check_public_share("grant", approved_budget_fen, grant_fen)
        self._awarded(approved_budget_fen=approved_budget_fen, grant_fen=grant_fen)

    @event(Awarded)
    def _awarded(self, approved_budget_fen: int, grant_fen: int) -> None:
        self.approved_budget_fen = approved_budget_fen
        self.grant_fen = grant_fen
        self.status = S.AWARDED

    def reject(self) -> None:
        self._require("be rejected", S.RANKED)
        self._rejected(rank=self.rank)

    @event(Rejected)
    def _rejected(self, rank: int | None) -> None:
        self.status = S.REJECTED

    # -- the project ------------------------------------------------------------------------------------

    def _milestone(self, index: int) -> Milestone:
        if not 0 <= index < len(self.milestones):
            raise PhilanthropyValueInvalidError("milestone", f"the plan has milestones 0 to {len(self.milestones) - 1}")
        return self.milestones[index]

    def reach_milestone(self, index: int, reached_on: date, report: str) -> None:
        self._require("reach a milestone", *UNDER_WAY)
        self._milestone(index)
        if index in self.reached:
            raise StepOutOfOrderError("milestone", self.id, "REACHED", f"reach milestone {index} again")
        self._milestone_reached(index=index, reached_on=reached_on, report=report)

    @event(MilestoneReached)
    def _milestone_reached(self, index: int, reached_on: date, report: str) -> None:
        self.reached.add(index)
        self.status = S.IN_PROGRESS

    def enrol_beneficiary(self, resident_id: UUID) -> None:
        """A resident served by the project, up to the number of beneficiaries it planned for."""
        self._require("enrol a beneficiary", *UNDER_WAY)
        if resident_id in self.enrolled:
            return
        if len(self.enrolled) >= self.beneficiaries:
            raise StepOutOfOrderError("proposal", self.id, self.status.value,
                                      f"enrol more than the {self.beneficiaries} beneficiaries it planned for")
        self._beneficiary_enrolled(resident_id=resident_id, organisation=self.organisation)

    @event(BeneficiaryEnrolled)
    def _beneficiary_enrolled(self, resident_id: UUID, organisation: str) -> None:
        self.enrolled.add(resident_id)

    def disburse(self, index: int, amount_fen: int) -> None:
        self._require("pay a tranche", *UNDER_WAY)
        self._milestone(index)
        if index not in self.reached:
            raise MilestoneNotReachedError(self.id, index)
        if amount_fen <= 0:
            raise PhilanthropyValueInvalidError("amount", "must be more than zero")
        if self.disbursed_fen + amount_fen > self.grant_fen:
            raise DisbursementExceedsGrantError(self.id, self.grant_fen, self.disbursed_fen, amount_fen)
        self._disbursed(index=index, amount_fen=amount_fen)

    @event(Disbursed)
    def _disbursed(self, index: int, amount_fen: int) -> None:
        self.disbursed_fen += amount_fen
        self.status = S.IN_PROGRESS

    def evaluate(self, stage: EvaluationStage, project_management: Rating, financial_management: Rating,
                 findings: str) -> None:
        self._require("be evaluated", *UNDER_WAY)
        if stage in self.evaluations:
            raise StepOutOfOrderError("proposal", self.id, self.status.value, f"hold a second {stage.value} evaluation")
        if stage is EvaluationStage.FINAL:
            if EvaluationStage.MID_TERM not in self.evaluations:
                raise StepOutOfOrderError("proposal", self.id, self.status.value, "hold the final evaluation before "
                                          "the mid-term one")
            if len(self.reached) < len(self.milestones):
                raise StepOutOfOrderError("proposal", self.id, self.status.value, "hold the final evaluation before "
                                          "every milestone is reached")
        self._evaluated(stage=stage, project_management=project_management,
                        financial_management=financial_management, findings=findings)

    @event(Evaluated)
    def _evaluated(self, stage: EvaluationStage, project_management: Rating, financial_management: Rating,
                   findings: str) -> None:
        self.evaluations.add(stage)

    def close(self) -> None:
        self._require("be closed", *UNDER_WAY)
        if EvaluationStage.FINAL not in self.evaluations:
            raise StepOutOfOrderError("proposal", self.id, self.status.value, "be closed before its final evaluation")
        self._closed(disbursed_fen=self.disbursed_fen)

    @event(Closed)
    def _closed(self, disbursed_fen: int) -> None:
        self.status = S.CLOSED
