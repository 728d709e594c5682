"""The venture-philanthropy service: get, decide, save; return what was recorded.

Who may act is decided here, on the write model:
- rounds (the call, the panel, the ranking, awards, rejections, disbursements, closing) — the bureau's admins;
- proposals are submitted by the charity platforms (integrators) on an organisation's behalf, or by admins;
- a project's milestones — its platform (the integrator office that submitted it, recorded on the proposal;
  never another platform), admins, or supervisors of the district it serves; its evaluations — admins or
  supervisors of that district;
- a resident joins a project as a beneficiary by the hand of its platform, admins, or caseworkers and supervisors
  with a right over both the resident's district and the project's;
- inspectors change nothing here."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from civicledger.core import text
from civicledger.core.access import ADMIN, CASEWORKER, INTEGRATOR, SUPERVISOR, SYSTEM, may_act_in
from civicledger.core.clock import Clock
from civicledger.core.commands import handles
from civicledger.core.errors import ConflictError, NotFoundError
from civicledger.core.eventstore.application import CivicApplication, Ledger, Recorded
from civicledger.core.guangzhou import parse_district
from civicledger.core.metadata import CommandContext
from civicledger.domains.philanthropy import commands as c
from civicledger.domains.philanthropy import rules
from civicledger.domains.philanthropy.errors import (
    FundingRoundNotFoundError,
    PhilanthropyForbiddenError,
    PhilanthropyValueInvalidError,
    ProposalNotFoundError,
    ProposalUndecidedError,
    ProposalUnreviewedError,
)
from civicledger.domains.philanthropy.funding_round import FundingRound
from civicledger.domains.philanthropy.ports import ResidentLookup
from civicledger.domains.philanthropy.proposal import Proposal
from civicledger.domains.philanthropy.values import (
    Category,
    EvaluationStage,
    Milestone,
    ProposalStatus,
    Rating,
)

ROUND_ATTEMPTS = 5  # a command on a round decided again after meeting another one's commit


class PhilanthropyService(CivicApplication):
    program = "philanthropy"

    def __init__(self, ledger: Ledger, *, residents: ResidentLookup, clock: Clock | None = None) -> None:
        super().__init__(ledger, clock=clock)
        self.residents = residents

    # -- reads (write-model truth) ------------------------------------------------------------------------

    def get_round(self, round_id: UUID, expected_version: int | None = None) -> FundingRound:
        try:
            return self._get(FundingRound, round_id, expected_version=expected_version, label="funding round")
        except NotFoundError:
            raise FundingRoundNotFoundError(round_id) from None

    def get_proposal(self, proposal_id: UUID, expected_version: int | None = None) -> Proposal:
        try:
            return self._get(Proposal, proposal_id, expected_version=expected_version, label="proposal")
        except NotFoundError:
            raise ProposalNotFoundError(proposal_id) from None

    # -- who may act --------------------------------------------------------------------------------------

    @staticmethod
    def _allow(ctx: CommandContext, action: str, *roles: str, district: str | None = None) -> None:
        role = ctx.actor.role
        if role in (ADMIN, SYSTEM) or (role in roles and role != SUPERVISOR):
            return
        if role == SUPERVISOR and SUPERVISOR in roles and district is not None and district == ctx.actor.district:
            return
        raise PhilanthropyForbiddenError(role, action, district if role == SUPERVISOR else None)

    @staticmethod
    def _its_platform(ctx: CommandContext, proposal: Proposal, action: str) -> None:
        """An integrator acts for a proposal only as the platform that submitted it (its office), never for
        another platform's."""
        if ctx.actor.role == INTEGRATOR and (proposal.platform is None or proposal.platform != ctx.actor.office):
            raise PhilanthropyForbiddenError(ctx.actor.role, f"{action} for another platform's proposal")

    def _save_on_round(self, decide: Callable[[], tuple[Proposal, FundingRound]], ctx: CommandContext,
                       cmd: object) -> Recorded:
        """Save a proposal with its round. Another command on the round (a submission, an award) committed in
        between makes the save a conflict: the command is then decided again on the round as it now stands (a few
        times at most) — so submissions and awards that fit all land, and an award that no longer fits the budget
        is refused for it (RULE_VIOLATION), never written."""
        attempts = 0
        while True:
            proposal, funding_round = decide()
            try:
                return self._save(proposal, funding_round, ctx=ctx, command=cmd)
            except ConflictError:
                attempts += 1
                if attempts >= ROUND_ATTEMPTS or (ctx.idempotency_key and self._replay(ctx, cmd) is not None):
                    raise  # out of attempts, or a retry of a command already recorded: answered as a replay

    # -- rounds -------------------------------------------------------------------------------------------

    @handles
    def open_funding_round(self, cmd: c.OpenFundingRound, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "open a funding round")
        if not 1 <= len(cmd.categories) <= len(Category):
            raise PhilanthropyValueInvalidError("categories", "at least one category, each once")
        categories = tuple(dict.fromkeys(rules.parse_enum(Category, k, "categories") for k in cmd.categories))
        opens_on, closes_on = rules.period(cmd.opens_on, cmd.closes_on)
        funding_round = FundingRound(
            title=text.title(cmd.title), year=rules.year_of(cmd.year), categories=categories,
            budget_fen=rules.fen(cmd.budget, "budget", maximum=rules.MAX_ROUND_BUDGET_FEN),
            opens_on=opens_on, closes_on=closes_on,
            criteria=rules.criteria(tuple((k.code, k.weight) for k in cmd.criteria)))
        return self._save(funding_round, ctx=ctx, command=cmd)

    @handles
    def appoint_reviewer(self, cmd: c.AppointReviewer, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "appoint a reviewer")
        funding_round = self.get_round(cmd.round_id, cmd.expected_version)
        funding_round.appoint_reviewer(rules.code(cmd.reviewer_id, "reviewerId"),
                                       text.line(cmd.expertise, "expertise", max_length=text.TITLE_MAX))
        return self._save(funding_round, ctx=ctx, command=cmd)

    @handles
    def close_funding_call(self, cmd: c.CloseFundingCall, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "close a call")
        funding_round = self.get_round(cmd.round_id, cmd.expected_version)
        funding_round.close_call()
        return self._save(funding_round, ctx=ctx, command=cmd)

    @handles
    def rank_funding_round(self, cmd: c.RankFundingRound, ctx: CommandContext) -> Recorded:
        """Rank every eligible proposal by its mean weighted score (reviewers with a declared conflict left out);
        ties keep the order of submission."""
        self._allow(ctx, "rank a round")
        funding_round = self.get_round(cmd.round_id, cmd.expected_version)
        funding_round.check_reviewing("rank the proposals")
        proposals = self._get_many(Proposal, funding_round.proposals)
        ordered = [proposals[p] for p in funding_round.proposals if p in proposals]
        undecided = [p for p in ordered if p.status is ProposalStatus.SUBMITTED]
        if undecided:
            raise ProposalUndecidedError(funding_round.id, len(undecided), "still wait for their eligibility check")
        eligible = [p for p in ordered if p.status is ProposalStatus.ELIGIBLE]
        scored = [(p, p.valid_score_x100()) for p in eligible]
        unreviewed = [p.id for p, s in scored if s is None]
        if unreviewed:
            raise ProposalUnreviewedError(funding_round.id, unreviewed)
        ranking = sorted(scored, key=lambda ps: -(ps[1] or 0))  # stable: ties keep the order of submission
        for rank, (proposal, score) in enumerate(ranking, start=1):
            proposal.place(rank, score or 0)
        funding_round.rank(tuple(p.id for p, _ in ranking))
        return self._save(funding_round, *(p for p, _ in ranking), ctx=ctx, command=cmd)

    @handles
    def finalise_funding_round(self, cmd: c.FinaliseFundingRound, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "finalise a round")
        funding_round = self.get_round(cmd.round_id, cmd.expected_version)
        funding_round.check_deciding("finalise the round")
        proposals = self._get_many(Proposal, funding_round.ranking)
        waiting = [p for p in proposals.values() if p.status is ProposalStatus.RANKED]
        if waiting:
            raise ProposalUndecidedError(funding_round.id, len(waiting), "are ranked but neither awarded nor rejected")
        funding_round.finalise()
        return self._save(funding_round, ctx=ctx, command=cmd)

    # -- proposals ----------------------------------------------------------------------------------------

    @handles
    def submit_proposal(self, cmd: c.SubmitProposal, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "submit a proposal", INTEGRATOR)
        category = rules.parse_enum(Category, cmd.category, "category")
        if not 1 <= len(cmd.milestones) <= rules.MAX_MILESTONES:
            raise PhilanthropyValueInvalidError("milestones", f"1 to {rules.MAX_MILESTONES} milestones")
        milestones = tuple(Milestone(text.title(m.title, "milestones.title"), m.due_on,
                                     rules.fen(m.grant, "milestones.grant", maximum=rules.MAX_PROJECT_BUDGET_FEN))
                           for m in cmd.milestones)
        fields = dict(
            organisation=text.organisation_name(cmd.organisation, "organisation"), title=text.title(cmd.title),
            category=category, district=parse_district(text.line(cmd.district, "district", max_length=40)).value,
            summary=text.free_text(cmd.summary, "summary"),
            total_budget_fen=rules.fen(cmd.total_budget, "totalBudget", maximum=rules.MAX_PROJECT_BUDGET_FEN),
            requested_fen=rules.fen(cmd.requested_grant, "requestedGrant", maximum=rules.MAX_PROJECT_BUDGET_FEN),
            beneficiaries=rules.bounded_int(cmd.beneficiaries, "beneficiaries", 1, rules.MAX_BENEFICIARIES),
            milestones=milestones, platform=ctx.actor.office if ctx.actor.role == INTEGRATOR else None)

        def decide() -> tuple[Proposal, FundingRound]:
            funding_round = self.get_round(cmd.round_id)
            if category not in funding_round.categories:
                raise PhilanthropyValueInvalidError("category", "not a category of this round's call",
                                                    categories=[k.value for k in funding_round.categories])
            proposal = Proposal.submit(round_id=funding_round.id, **fields)  # type: ignore[arg-type]
            funding_round.enter(proposal.id)
            return proposal, funding_round

        return self._save_on_round(decide, ctx, cmd)

    @handles
    def check_eligibility(self, cmd: c.CheckEligibility, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "check a proposal's eligibility")
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        self.get_round(proposal.round_id).check_reviewing("check eligibility")
        proposal.check_eligibility(bool(cmd.eligible), text.free_text(cmd.findings, "findings",
                                                                      max_length=text.SHORT_TEXT_MAX))
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def declare_reviewer_conflict(self, cmd: c.DeclareReviewerConflict, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "record a declared conflict of interest")
        reason = ctx.require_reason()
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        reviewer = rules.code(cmd.reviewer_id, "reviewerId")
        self.get_round(proposal.round_id).check_reviewer(reviewer)
        proposal.declare_conflict(reviewer)
        return self._save(proposal, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def record_review(self, cmd: c.RecordReview, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "record an expert's review")
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        funding_round = self.get_round(proposal.round_id)
        funding_round.check_reviewing("record a review")
        reviewer = rules.code(cmd.reviewer_id, "reviewerId")
        funding_round.check_reviewer(reviewer)
        if len(cmd.scores) > rules.MAX_CRITERIA:
            raise PhilanthropyValueInvalidError("scores", "one score per criterion of the round")
        lines, weighted = rules.scores(tuple((s.code, s.score) for s in cmd.scores), funding_round.criteria)
        proposal.review(reviewer, lines, weighted)
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def award_grant(self, cmd: c.AwardGrant, ctx: CommandContext) -> Recorded:
        """The proposal and its round are saved together: the round's version guards its budget."""
        self._allow(ctx, "award a grant")
        grant = rules.fen(cmd.grant, "grant", maximum=rules.MAX_PROJECT_BUDGET_FEN)
        approved = rules.fen(cmd.approved_budget, "approvedBudget", maximum=rules.MAX_PROJECT_BUDGET_FEN)

        def decide() -> tuple[Proposal, FundingRound]:
            proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
            funding_round = self.get_round(proposal.round_id)
            funding_round.check_deciding("award a grant")
            proposal.award(approved, grant)
            funding_round.reserve(proposal.id, grant)
            return proposal, funding_round

        return self._save_on_round(decide, ctx, cmd)

    @handles
    def reject_proposal(self, cmd: c.RejectProposal, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "reject a proposal")
        reason = ctx.require_reason()
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        self.get_round(proposal.round_id).check_deciding("reject a proposal")
        proposal.reject()
        return self._save(proposal, ctx=ctx.with_reason(reason), command=cmd)

    # -- projects -----------------------------------------------------------------------------------------

    @handles
    def record_milestone(self, cmd: c.RecordMilestone, ctx: CommandContext) -> Recorded:
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        self._allow(ctx, "record a milestone", INTEGRATOR, SUPERVISOR, district=proposal.district)
        self._its_platform(ctx, proposal, "record a milestone")
        proposal.reach_milestone(rules.bounded_int(cmd.milestone, "milestone", 0, rules.MAX_MILESTONES - 1),
                                 cmd.reached_on, text.free_text(cmd.report, "report"))
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def enrol_beneficiary(self, cmd: c.EnrolBeneficiary, ctx: CommandContext) -> Recorded:
        """It links a resident and a project: a district-bound caller needs a right over both districts."""
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        resident = self.residents.get_resident(cmd.resident_id)
        if resident.erased:
            raise PhilanthropyValueInvalidError("residentId", "the resident's personal data was erased")
        if ctx.actor.role not in (ADMIN, SYSTEM, INTEGRATOR, CASEWORKER, SUPERVISOR):
            raise PhilanthropyForbiddenError(ctx.actor.role, "enrol a beneficiary")
        may_act_in(ctx.actor, resident.district, proposal.district)
        self._its_platform(ctx, proposal, "enrol a beneficiary")
        proposal.enrol_beneficiary(cmd.resident_id)
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def disburse_grant(self, cmd: c.DisburseGrant, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "pay a tranche of a grant")
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        proposal.disburse(rules.bounded_int(cmd.milestone, "milestone", 0, rules.MAX_MILESTONES - 1),
                          rules.fen(cmd.amount, "amount", maximum=rules.MAX_PROJECT_BUDGET_FEN))
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def evaluate_project(self, cmd: c.EvaluateProject, ctx: CommandContext) -> Recorded:
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        self._allow(ctx, "evaluate a project", SUPERVISOR, district=proposal.district)
        proposal.evaluate(rules.parse_enum(EvaluationStage, cmd.stage, "stage"),
                          rules.parse_enum(Rating, cmd.project_management, "projectManagement"),
                          rules.parse_enum(Rating, cmd.financial_management, "financialManagement"),
                          text.free_text(cmd.findings, "findings"))
        return self._save(proposal, ctx=ctx, command=cmd)

    @handles
    def close_project(self, cmd: c.CloseProject, ctx: CommandContext) -> Recorded:
        self._allow(ctx, "close a project")
        proposal = self.get_proposal(cmd.proposal_id, cmd.expected_version)
        proposal.close()
        return self._save(proposal, ctx=ctx, command=cmd)
