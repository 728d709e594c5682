"""Expected failures of venture philanthropy. Each subclasses a core error, so GraphQL answers with its stable
code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.errors import ForbiddenError, InvalidInputError, NotFoundError, RuleViolationError
from civicledger.domains.philanthropy.values import fen_to_yuan_text


class PhilanthropyValueInvalidError(InvalidInputError):
    """A value outside its allowed set or shape (a category, a weight, a score, a date, an amount)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class SelfRaisedShareTooLowError(InvalidInputError):
    """The public money asked or granted is more than 60% of the budget: the self-raised share is below 40%."""

    def __init__(self, field: str, budget_fen: int, public_fen: int) -> None:
        super().__init__(
            f"{field}: the public share {fen_to_yuan_text(public_fen)} is more than 60% of the budget "
            f"{fen_to_yuan_text(budget_fen)} (at least 40% must be self-raised)",
            field=field, budget=fen_to_yuan_text(budget_fen), publicShare=fen_to_yuan_text(public_fen),
            maximumPublicShare=fen_to_yuan_text(budget_fen * 60 // 100))


class FundingRoundNotFoundError(NotFoundError):
    def __init__(self, round_id: UUID) -> None:
        super().__init__(f"funding round {round_id} not found", id=str(round_id))


class ProposalNotFoundError(NotFoundError):
    def __init__(self, proposal_id: UUID) -> None:
        super().__init__(f"proposal {proposal_id} not found", id=str(proposal_id))


class PhilanthropyForbiddenError(ForbiddenError):
    def __init__(self, role: str, action: str, district: str | None = None) -> None:
        super().__init__(f"role {role} may not {action}" + (f" in {district}" if district else ""),
                         role=role, action=action, district=district)


class StepOutOfOrderError(RuleViolationError):
    """A step asked of a round or a proposal at a stage where it does not come."""

    def __init__(self, subject: str, subject_id: UUID, status: str, step: str) -> None:
        super().__init__(f"{subject} {subject_id} is {status}: cannot {step}", subjectId=str(subject_id),
                         status=status, step=step)


class RoundBudgetExceededError(RuleViolationError):
    def __init__(self, round_id: UUID, budget_fen: int, awarded_fen: int, asked_fen: int) -> None:
        super().__init__(
            f"the award of {fen_to_yuan_text(asked_fen)} exceeds what is left of round {round_id}'s budget "
            f"({fen_to_yuan_text(budget_fen - awarded_fen)} of {fen_to_yuan_text(budget_fen)})",
            roundId=str(round_id), budget=fen_to_yuan_text(budget_fen), awarded=fen_to_yuan_text(awarded_fen),
            remaining=fen_to_yuan_text(budget_fen - awarded_fen), asked=fen_to_yuan_text(asked_fen))


class ReviewerNotOnPanelError(RuleViolationError):
    def __init__(self, round_id: UUID, reviewer_id: str) -> None:
        super().__init__(f"{reviewer_id} is not on the review panel of round {round_id}", roundId=str(round_id),
                         reviewerId=reviewer_id)


class ReviewerConflictError(RuleViolationError):
    """The reviewer declared a conflict of interest with this proposal: they may not score it."""

    def __init__(self, proposal_id: UUID, reviewer_id: str) -> None:
        super().__init__(f"{reviewer_id} declared a conflict of interest with proposal {proposal_id}",
                         proposalId=str(proposal_id), reviewerId=reviewer_id)


class ReviewAlreadyRecordedError(RuleViolationError):
    def __init__(self, proposal_id: UUID, reviewer_id: str) -> None:
        super().__init__(f"{reviewer_id} has already scored proposal {proposal_id}", proposalId=str(proposal_id),
                         reviewerId=reviewer_id)


class ProposalUnreviewedError(RuleViolationError):
    """Ranking needs every eligible proposal scored by at least one reviewer without a conflict."""

    def __init__(self, round_id: UUID, proposal_ids: list[UUID]) -> None:
        super().__init__(f"{len(proposal_ids)} eligible proposal(s) of round {round_id} have no valid review",
                         roundId=str(round_id), proposalIds=[str(p) for p in proposal_ids[:20]])


class ProposalUndecidedError(RuleViolationError):
    def __init__(self, round_id: UUID, count: int, what: str) -> None:
        super().__init__(f"{count} proposal(s) of round {round_id} {what}", roundId=str(round_id), count=count)


class DisbursementExceedsGrantError(RuleViolationError):
    def __init__(self, proposal_id: UUID, grant_fen: int, disbursed_fen: int, asked_fen: int) -> None:
        super().__init__(
            f"paying {fen_to_yuan_text(asked_fen)} would exceed proposal {proposal_id}'s grant "
            f"({fen_to_yuan_text(disbursed_fen)} of {fen_to_yuan_text(grant_fen)} paid)",
            proposalId=str(proposal_id), grant=fen_to_yuan_text(grant_fen), disbursed=fen_to_yuan_text(disbursed_fen),
            asked=fen_to_yuan_text(asked_fen))


class MilestoneNotReachedError(RuleViolationError):
    def __init__(self, proposal_id: UUID, index: int) -> None:
        super().__init__(f"milestone {index} of proposal {proposal_id} is not reached", proposalId=str(proposal_id),
                         milestone=index)
