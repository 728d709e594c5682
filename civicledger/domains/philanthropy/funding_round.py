"""A funding round of venture philanthropy (公益创投): the call, its review panel, its ranking and its budget."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.philanthropy.errors import (
    ReviewerNotOnPanelError,
    RoundBudgetExceededError,
    StepOutOfOrderError,
)
from civicledger.domains.philanthropy.values import Category, Criterion, RoundStatus


class FundingRound(CivicAggregate):
    """Awards never add up to more than the budget. Every award is recorded on the round's own stream in the
    same transaction as on the proposal's, so two awards decided at once meet here: the second to commit finds
    the round's version taken and is refused (CONFLICT), and reloaded it sees the first award's money gone.
    Proposals enter only while the call is open; the ranking comes after the call closes; awards after it."""

    # An event per proposal entered and per award, none of them personal: a command reads the round forward from
    # its newest state, not its hundreds of events from the start.
    keep_newest = True

    class Opened(CivicAggregate.Created):
        title: str
        year: int
        categories: tuple[Category, ...]
        budget_fen: int
        opens_on: date
        closes_on: date
        criteria: tuple[Criterion, ...]

    class ReviewerAppointed(CivicAggregate.Event):
        reviewer_id: str
        expertise: str

    class ProposalEntered(CivicAggregate.Event):
        proposal_id: UUID

    class CallClosed(CivicAggregate.Event):
        proposals: int

    class Ranked(CivicAggregate.Event):
        ranking: tuple[UUID, ...]

    class GrantReserved(CivicAggregate.Event):
        proposal_id: UUID
        grant_fen: int

    class Finalised(CivicAggregate.Event):
        awards: int
        awarded_fen: int

    @event(Opened)
    def __init__(self, title: str, year: int, categories: tuple[Category, ...], budget_fen: int, opens_on: date,
                 closes_on: date, criteria: tuple[Criterion, ...]) -> None:
        self.title = title
        self.year = year
        self.categories = tuple(categories)
        self.budget_fen = budget_fen
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.criteria = tuple(criteria)
        self.status = RoundStatus.OPEN
        self.reviewers: dict[str, str] = {}
        self.proposals: list[UUID] = []
        self.ranking: tuple[UUID, ...] = ()
        self.awarded_fen = 0
        self.awards: dict[UUID, int] = {}

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.awarded_fen

    def _require(self, step: str, *statuses: RoundStatus) -> None:
        if self.status not in statuses:
            raise StepOutOfOrderError("funding round", self.id, self.status.value, step)

    def appoint_reviewer(self, reviewer_id: str, expertise: str) -> None:
        self._require("appoint a reviewer", RoundStatus.OPEN, RoundStatus.REVIEWING)
        if reviewer_id in self.reviewers:
            return
        self._reviewer_appointed(reviewer_id=reviewer_id, expertise=expertise)

    @event(ReviewerAppointed)
    def _reviewer_appointed(self, reviewer_id: str, expertise: str) -> None:
        self.reviewers[reviewer_id] = expertise

    def check_reviewer(self, reviewer_id: str) -> None:
        if reviewer_id not in self.reviewers:
            raise ReviewerNotOnPanelError(self.id, reviewer_id)

    def enter(self, proposal_id: UUID) -> None:
        self._require("accept a proposal", RoundStatus.OPEN)
        self._entered(proposal_id=proposal_id)

    @event(ProposalEntered)
    def _entered(self, proposal_id: UUID) -> None:
        self.proposals.append(proposal_id)

    def close_call(self) -> None:
        self._require("close the call", RoundStatus.OPEN)
        self._call_closed(proposals=len(self.proposals))

    @event(CallClosed)
    def _call_closed(self, proposals: int) -> None:
        self.status = RoundStatus.REVIEWING

    def check_reviewing(self, step: str) -> None:
        self._require(step, RoundStatus.REVIEWING)

    def rank(self, ranking: tuple[UUID, ...]) -> None:
        self._require("rank the proposals", RoundStatus.REVIEWING)
        self._ranked(ranking=ranking)

    @event(Ranked)
    def _ranked(self, ranking: tuple[UUID, ...]) -> None:
        self.ranking = tuple(ranking)
        self.status = RoundStatus.RANKED

    def check_deciding(self, step: str) -> None:
        self._require(step, RoundStatus.RANKED)

    def reserve(self, proposal_id: UUID, grant_fen: int) -> None:
        self._require("award a grant", RoundStatus.RANKED)
        if grant_fen > self.remaining_fen:
            raise RoundBudgetExceededError(self.id, self.budget_fen, self.awarded_fen, grant_fen)
        self._reserved(proposal_id=proposal_id, grant_fen=grant_fen)

    @event(GrantReserved)
    def _reserved(self, proposal_id: UUID, grant_fen: int) -> None:
        self.awarded_fen += grant_fen
        self.awards[proposal_id] = grant_fen

    def finalise(self) -> None:
        self._require("finalise the round", RoundStatus.RANKED)
        self._finalised(awards=len(self.awards), awarded_fen=self.awarded_fen)

    @event(Finalised)
    def _finalised(self, awards: int, awarded_fen: int) -> None:
        self.status = RoundStatus.FINALISED
