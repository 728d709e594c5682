"""Venture-philanthropy mutations: input → command → the one command path → payload. Who may do what is decided
by the philanthropy service (admins, the charity platforms, the districts' supervisors), not here."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from civicledger.domains.philanthropy import commands as c
from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand
from civicledger.graphql.philanthropy.inputs import (
    AppointReviewerInput,
    AwardGrantInput,
    CheckEligibilityInput,
    CloseProjectInput,
    DeclareReviewerConflictInput,
    DisburseGrantInput,
    EnrolBeneficiaryInput,
    EvaluateProjectInput,
    FundingRoundStepInput,
    OpenFundingRoundInput,
    RecordMilestoneInput,
    RecordReviewInput,
    RejectProposalInput,
    SubmitProposalInput,
)
from civicledger.graphql.philanthropy.payloads import FundingRoundPayload, ProposalPayload
from civicledger.graphql.relay import uuid_of


def _round(input: FundingRoundStepInput) -> tuple:  # type: ignore[type-arg]
    return uuid_of(input.round_id, "FundingRound"), input.expected_version


@strawberry.type
class PhilanthropyMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: publish a call for proposals (a "
                         "funding round of venture philanthropy).")
    async def open_funding_round(self, info: Info, input: OpenFundingRoundInput) -> FundingRoundPayload:
        return FundingRoundPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: put an expert on a round's panel.")
    async def appoint_funding_reviewer(self, info: Info, input: AppointReviewerInput) -> FundingRoundPayload:
        return FundingRoundPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: close the call; eligibility checks "
                         "and expert review follow.")
    async def close_funding_call(self, info: Info, input: FundingRoundStepInput) -> FundingRoundPayload:
        return FundingRoundPayload.of(await execute(info, input, c.CloseFundingCall(*_round(input))))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: rank the eligible proposals by their "
                         "mean weighted score (experts with a declared conflict left out).")
    async def rank_funding_round(self, info: Info, input: FundingRoundStepInput) -> FundingRoundPayload:
        return FundingRoundPayload.of(await execute(info, input, c.RankFundingRound(*_round(input))))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: finalise a ranked round once every "
                         "ranked proposal is awarded or rejected.")
    async def finalise_funding_round(self, info: Info, input: FundingRoundStepInput) -> FundingRoundPayload:
        return FundingRoundPayload.of(await execute(info, input, c.FinaliseFundingRound(*_round(input))))

    @strawberry.mutation(permission_classes=[CanCommand], description="Charity platforms or admins: submit a "
                         "proposal to an open call (at most 60% public money).")
    async def submit_proposal(self, info: Info, input: SubmitProposalInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: record a proposal's eligibility check.")
    async def check_proposal_eligibility(self, info: Info, input: CheckEligibilityInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: record an expert's declared conflict "
                         "of interest with a proposal.")
    async def declare_reviewer_conflict(self, info: Info, input: DeclareReviewerConflictInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: record an expert's scores.")
    async def record_proposal_review(self, info: Info, input: RecordReviewInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: award a grant to a ranked proposal, "
                         "within the 60/40 rule and the round's budget (two awards decided at once cannot both "
                         "overspend it: the one that no longer fits is RULE_VIOLATION).")
    async def award_grant(self, info: Info, input: AwardGrantInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: turn down a ranked proposal.")
    async def reject_proposal(self, info: Info, input: RejectProposalInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A funded project's milestone reached.")
    async def record_project_milestone(self, info: Info, input: RecordMilestoneInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A resident served by a funded project as "
                         "one of its beneficiaries.")
    async def enrol_project_beneficiary(self, info: Info, input: EnrolBeneficiaryInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: pay a tranche of a grant.")
    async def disburse_grant(self, info: Info, input: DisburseGrantInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A project's mid-term or final evaluation: "
                         "project management and financial management.")
    async def evaluate_project(self, info: Info, input: EvaluateProjectInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Admins: close a project after its final "
                         "evaluation.")
    async def close_project(self, info: Info, input: CloseProjectInput) -> ProposalPayload:
        return ProposalPayload.of(await execute(info, input))
