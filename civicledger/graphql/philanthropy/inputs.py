"""What venture-philanthropy mutations take: each input turns itself into its command (global ids to stream ids,
enums to values); money as decimal strings in yuan, checked by the service (strictly: ASCII digits, two places)."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.philanthropy import commands as c
from civicledger.graphql.philanthropy.types import CategoryEnum, RatingEnum, StageEnum
from civicledger.graphql.relay import uuid_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."
VERSION = "The version you read: a stale one is CONFLICT and writes nothing."
REASON = "Why (at most 2,000 characters); recorded with the event."
MONEY = "Yuan, as a decimal string with at most two places (e.g. \"60000.00\")."


@strawberry.input(name="FundingCriterionInput", description="A scoring criterion and its weight.")
class CriterionInput:
    code: str = strawberry.field(description="ASCII letters, digits, '-' or '_' (at most 40).")
    weight: int = strawberry.field(description="1 to 100; a round's weights add up to 100.")


@strawberry.input(name="OpenFundingRoundInput", description="Admins: publish a call for proposals.")
class OpenFundingRoundInput:
    title: str = strawberry.field(description="At most 200 characters.")
    year: int = strawberry.field(description="2000 to 2100.")
    categories: list[CategoryEnum] = strawberry.field(description="The categories funded (each once).")  # type: ignore[valid-type]
    budget: str = strawberry.field(description=f"Public money the round may award. {MONEY}")
    opens_on: date = strawberry.field(description="The day the call opens.")
    closes_on: date = strawberry.field(description="The closing date for proposals (not before opensOn).")
    criteria: list[CriterionInput] = strawberry.field(description="1 to 10 criteria, weights adding up to 100.")
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.OpenFundingRound:
        return c.OpenFundingRound(self.title, self.year, tuple(k.value for k in self.categories), self.budget,
                                  self.opens_on, self.closes_on,
                                  tuple(c.CriterionWeight(k.code, k.weight) for k in self.criteria[:11]))


@strawberry.input(name="AppointReviewerInput", description="Admins: put an expert on a round's review panel.")
class AppointReviewerInput:
    round_id: strawberry.ID = strawberry.field(description="The FundingRound.")
    reviewer_id: str = strawberry.field(description="The expert's code: ASCII letters, digits, '-' or '_' (≤ 40).")
    expertise: str = strawberry.field(description="The expert's field (at most 200 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AppointReviewer:
        return c.AppointReviewer(uuid_of(self.round_id, "FundingRound"), self.reviewer_id, self.expertise,
                                 self.expected_version)


@strawberry.input(name="FundingRoundStepInput", description="Admins: a step of a round (close the call, rank, "
                  "finalise).")
class FundingRoundStepInput:
    round_id: strawberry.ID = strawberry.field(description="The FundingRound.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


@strawberry.input(name="PlannedMilestoneInput", description="A stage of the project's plan.")
class PlannedMilestoneInput:
    title: str = strawberry.field(description="What is delivered (at most 200 characters).")
    due_on: date = strawberry.field(description="By when.")
    grant: str = strawberry.field(description=f"Public money planned for it. {MONEY}")


@strawberry.input(name="SubmitProposalInput", description="Charity platforms (integrators) or admins: a social "
                  "organisation's proposal to an open call. The grant asked is at most 60% of the budget; the "
                  "milestones' grants add up to it.")
class SubmitProposalInput:
    round_id: strawberry.ID = strawberry.field(description="The FundingRound.")
    organisation: str = strawberry.field(description="The social organisation (at most 120 characters).")
    title: str = strawberry.field(description="At most 200 characters.")
    category: CategoryEnum = strawberry.field(description="One of the round's categories.")  # type: ignore[valid-type]
    district: str = strawberry.field(description="The district served: code (HAIZHU) or name (海珠区).")
    summary: str = strawberry.field(description="What the project does (at most 2,000 characters).")
    total_budget: str = strawberry.field(description=f"The project's whole budget. {MONEY}")
    requested_grant: str = strawberry.field(description=f"Public money asked: at most 60% of the budget. {MONEY}")
    beneficiaries: int = strawberry.field(description="People it means to serve: 1 to 10,000,000.")
    milestones: list[PlannedMilestoneInput] = strawberry.field(description="1 to 12 milestones.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.SubmitProposal:
        return c.SubmitProposal(uuid_of(self.round_id, "FundingRound"), self.organisation, self.title,
                                self.category.value, self.district, self.summary, self.total_budget,
                                self.requested_grant, self.beneficiaries,
                                tuple(c.PlannedMilestone(m.title, m.due_on, m.grant) for m in self.milestones[:13]))


@strawberry.input(name="CheckProposalEligibilityInput", description="Admins: the eligibility check, once the call "
                  "has closed.")
class CheckEligibilityInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal.")
    eligible: bool = strawberry.field(description="False: the proposal goes no further.")
    findings: str = strawberry.field(description="What the check found (at most 500 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CheckEligibility:
        return c.CheckEligibility(uuid_of(self.proposal_id, "Proposal"), self.eligible, self.findings,
                                  self.expected_version)


@strawberry.input(name="DeclareReviewerConflictInput", description="Admins: an expert's declared conflict of "
                  "interest with a proposal — they may not score it, and an earlier score no longer counts.")
class DeclareReviewerConflictInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal.")
    reviewer_id: str = strawberry.field(description="The expert's code (on the round's panel).")
    reason: str = strawberry.field(description=f"The conflict. {REASON}")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.DeclareReviewerConflict:
        return c.DeclareReviewerConflict(uuid_of(self.proposal_id, "Proposal"), self.reviewer_id,
                                         self.expected_version)


@strawberry.input(name="CriterionScoreInput", description="A score on one criterion.")
class CriterionScoreInput:
    code: str = strawberry.field(description="The criterion's code.")
    score: int = strawberry.field(description="0 to 100.")


@strawberry.input(name="RecordProposalReviewInput", description="Admins (the review secretariat): an expert's "
                  "scores, one per criterion of the round.")
class RecordReviewInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (eligible, in a round under review).")
    reviewer_id: str = strawberry.field(description="The expert's code (on the panel, without a conflict).")
    scores: list[CriterionScoreInput] = strawberry.field(description="One per criterion (at most 10).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordReview:
        return c.RecordReview(uuid_of(self.proposal_id, "Proposal"), self.reviewer_id,
                              tuple(c.ScoreLine(s.code, s.score) for s in self.scores[:11]), self.expected_version)


@strawberry.input(name="AwardGrantInput", description="Admins: fund a ranked proposal. The grant is at most 60% of "
                  "the approved budget and at most what is left of the round's budget.")
class AwardGrantInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (ranked).")
    approved_budget: str = strawberry.field(description=f"The budget approved (at most the one proposed). {MONEY}")
    grant: str = strawberry.field(description=f"Public money awarded (at most the grant asked). {MONEY}")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AwardGrant:
        return c.AwardGrant(uuid_of(self.proposal_id, "Proposal"), self.approved_budget, self.grant,
                            self.expected_version)


@strawberry.input(name="RejectProposalInput", description="Admins: turn down a ranked proposal (with a reason).")
class RejectProposalInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (ranked).")
    reason: str = strawberry.field(description=REASON)
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RejectProposal:
        return c.RejectProposal(uuid_of(self.proposal_id, "Proposal"), self.expected_version)


@strawberry.input(name="RecordProjectMilestoneInput", description="The project's platform, admins or the "
                  "district's supervisors: a milestone reached.")
class RecordMilestoneInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (awarded).")
    milestone: int = strawberry.field(description="Its index in the plan (0 for the first).")
    reached_on: date = strawberry.field(description="When.")
    report: str = strawberry.field(description="The organisation's report (at most 2,000 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordMilestone:
        return c.RecordMilestone(uuid_of(self.proposal_id, "Proposal"), self.milestone, self.reached_on,
                                 self.report, self.expected_version)


@strawberry.input(name="EnrolProjectBeneficiaryInput", description="The project's platform, admins, or caseworkers "
                  "and supervisors of both the resident's and the project's district: a resident served by a funded "
                  "project (shown on their timeline).")
class EnrolBeneficiaryInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (awarded).")
    resident_id: strawberry.ID = strawberry.field(description="The Resident.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.EnrolBeneficiary:
        return c.EnrolBeneficiary(uuid_of(self.proposal_id, "Proposal"), uuid_of(self.resident_id, "Resident"),
                                  self.expected_version)


@strawberry.input(name="DisburseGrantInput", description="Admins: pay a tranche against a reached milestone; the "
                  "tranches never add up to more than the grant.")
class DisburseGrantInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (awarded).")
    milestone: int = strawberry.field(description="The reached milestone's index.")
    amount: str = strawberry.field(description=f"The tranche. {MONEY}")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.DisburseGrant:
        return c.DisburseGrant(uuid_of(self.proposal_id, "Proposal"), self.milestone, self.amount,
                               self.expected_version)


@strawberry.input(name="EvaluateProjectInput", description="Admins or the district's supervisors: a mid-term or "
                  "(after it, with every milestone reached) final evaluation.")
class EvaluateProjectInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal (awarded).")
    stage: StageEnum = strawberry.field(description="MID_TERM, then FINAL.")  # type: ignore[valid-type]
    project_management: RatingEnum = strawberry.field(description="Project management.")  # type: ignore[valid-type]
    financial_management: RatingEnum = strawberry.field(description="Financial management.")  # type: ignore[valid-type]
    findings: str = strawberry.field(description="At most 2,000 characters.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.EvaluateProject:
        return c.EvaluateProject(uuid_of(self.proposal_id, "Proposal"), self.stage.value,
                                 self.project_management.value, self.financial_management.value, self.findings,
                                 self.expected_version)


@strawberry.input(name="CloseProjectInput", description="Admins: close a project after its final evaluation.")
class CloseProjectInput:
    proposal_id: strawberry.ID = strawberry.field(description="The Proposal.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CloseProject:
        return c.CloseProject(uuid_of(self.proposal_id, "Proposal"), self.expected_version)
