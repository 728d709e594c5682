"""A resident's casework case at a social-work station: intake, assessment, a service plan with goals,
sessions, periodic reviews, transfers between stations and closure with an outcome per goal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.casework.errors import (
    CaseworkCaseClosedError,
    CaseworkCaseStateError,
    CaseworkValueInvalidError,
    GoalOutcomesIncompleteError,
    GoalUnknownError,
    TransferToSameStationError,
)
from civicledger.domains.casework.values import (
    OPEN,
    CaseOutcome,
    CaseStatus,
    ClosureReason,
    GoalResult,
    GoalReview,
    GoalTerms,
    IntakeSource,
    NeedArea,
    ReviewDecision,
    RiskLevel,
    SessionKind,
    case_outcome,
)

HIGH_RISK_REVIEW_DAYS = 30


class CaseworkCase(CivicAggregate):
    """One station holds the case at a time; only its social workers work it. Assessment comes once, before
    any plan; a plan's goals are numbered from 1 and a new plan replaces them; reviews follow a plan; a case
    closes with exactly one outcome per goal of its current plan, and a closed case never changes. What the
    resident said and what was written about them (the need, summaries, goals' words, session notes) is
    sealed under the resident's key."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {
            "presenting_need": "field:resident_id", "summary": "field:resident_id",
            "goal_descriptions": "field:resident_id", "notes": "field:resident_id", "note": "field:resident_id",
        }

    class Opened(Event, CivicAggregate.Created):
        station_id: UUID
        district: str
        resident_id: UUID
        service: str
        source: IntakeSource
        referral_id: UUID | None
        source_program: str | None
        source_reference: str | None
        presenting_need: str | None
        social_worker_id: str | None
        opened_on: date
        opened_by: str

    @event(Opened)
    def __init__(self, station_id: UUID, district: str, resident_id: UUID, service: str, source: IntakeSource,
                 referral_id: UUID | None, source_program: str | None, source_reference: str | None,
                 presenting_need: str | None, social_worker_id: str | None, opened_on: date, opened_by: str) -> None:
        self.station_id, self.district, self.resident_id = station_id, district, resident_id
        self.service, self.source, self.referral_id = service, source, referral_id
        self.social_worker_id = social_worker_id
        self.opened_on = opened_on
        self.status = CaseStatus.INTAKE
        self.risk: RiskLevel | None = None
        self.plan_version = 0
        self.goals: dict[int, GoalTerms] = {}
        self.review_every_days = 0
        self.next_review_due: date | None = None
        self.sessions = 0
        self.reviews = 0
        self.previous_stations: list[UUID] = []
        self.outcome: CaseOutcome | None = None

    def _check_open(self) -> None:
        if self.status not in OPEN:
            raise CaseworkCaseClosedError(self.id)

    def _check_status(self, *allowed: CaseStatus) -> None:
        self._check_open()
        if self.status not in allowed:
            raise CaseworkCaseStateError(self.id, self.status.value, [s.value for s in allowed])

    def _check_goals(self, numbers: tuple[int, ...], field: str) -> None:
        unknown = set(numbers) - set(self.goals)
        if unknown:
            raise GoalUnknownError(field, unknown)

    def _check_on_or_after_opening(self, day: date, field: str) -> None:
        if day < self.opened_on:
            raise CaseworkValueInvalidError(field, "is before the case was opened", value=str(day),
                                            openedOn=str(self.opened_on))

    # -- assessment and plan -------------------------------------------------------------------------------

    def assess(self, risk: RiskLevel, need_areas: tuple[NeedArea, ...], summary: str, on: date, by: str) -> None:
        self._check_status(CaseStatus.INTAKE)
        self._check_on_or_after_opening(on, "assessedOn")
        if not need_areas:
            raise CaseworkValueInvalidError("needAreas", "an assessment names at least one need area")
        self._assessed(resident_id=self.resident_id, risk=risk, need_areas=tuple(dict.fromkeys(need_areas)),
                       summary=summary, assessed_on=on, assessed_by=by)

    @event("Assessed")
    def _assessed(self, resident_id: UUID, risk: RiskLevel, need_areas: tuple[NeedArea, ...], summary: str | None,
                  assessed_on: date, assessed_by: str) -> None:
        self.status = CaseStatus.ASSESSED
        self.risk = risk

    def agree_plan(self, goals: tuple[GoalTerms, ...], descriptions: tuple[str, ...], review_every_days: int,
                   on: date, by: str) -> None:
        self._check_status(CaseStatus.ASSESSED, CaseStatus.IN_SERVICE)
        if not goals:
            raise CaseworkValueInvalidError("goals", "a service plan has at least one goal")
        if self.risk is RiskLevel.HIGH and review_every_days > HIGH_RISK_REVIEW_DAYS:
            raise CaseworkValueInvalidError("reviewEveryDays", "a high-risk case is reviewed at least every "
                                            f"{HIGH_RISK_REVIEW_DAYS} days", value=review_every_days)
        for goal in goals:
            if goal.target_date < on:
                raise CaseworkValueInvalidError("goals.targetDate", "a goal's target date is not in the past",
                                                goal=goal.number, value=str(goal.target_date))
        self._plan_agreed(resident_id=self.resident_id, plan_version=self.plan_version + 1, goals=goals,
                          goal_descriptions=descriptions, review_every_days=review_every_days, agreed_on=on,
                          next_review_due=on + timedelta(days=review_every_days), agreed_by=by)

    @event("PlanAgreed")
    def _plan_agreed(self, resident_id: UUID, plan_version: int, goals: tuple[GoalTerms, ...],
                     goal_descriptions: tuple[str, ...] | None, review_every_days: int, agreed_on: date,
                     next_review_due: date, agreed_by: str) -> None:
        self.status = CaseStatus.IN_SERVICE
        self.plan_version = plan_version
        self.goals = {g.number: g for g in goals}
        self.review_every_days = review_every_days
        self.next_review_due = next_review_due

    # -- sessions and reviews ------------------------------------------------------------------------------

    def record_session(self, held_on: date, kind: SessionKind, minutes: int, goals_addressed: tuple[int, ...],
                       notes: str, by: str) -> int:
        self._check_open()
        self._check_on_or_after_opening(held_on, "heldOn")
        self._check_goals(goals_addressed, "goalsAddressed")
        number = self.sessions + 1
        self._session_recorded(resident_id=self.resident_id, number=number, station_id=self.station_id,
                               district=self.district, held_on=held_on, kind=kind, minutes=minutes,
                               goals_addressed=tuple(sorted(set(goals_addressed))), notes=notes, recorded_by=by)
        return number

    @event("SessionRecorded")
    def _session_recorded(self, resident_id: UUID, number: int, station_id: UUID, district: str, held_on: date,
                          kind: SessionKind, minutes: int, goals_addressed: tuple[int, ...], notes: str | None,
                          recorded_by: str) -> None:
        self.sessions = number

    def review(self, progress: tuple[GoalReview, ...], decision: ReviewDecision, summary: str, on: date,
               by: str) -> None:
        self._check_status(CaseStatus.IN_SERVICE)
        self._check_on_or_after_opening(on, "reviewedOn")
        given = [p.number for p in progress]
        self._check_goals(tuple(given), "progress")
        missing = set(self.goals) - set(given)
        if missing or len(given) != len(set(given)):
            raise CaseworkValueInvalidError("progress", "a review gives the progress of every goal once",
                                            missingGoals=sorted(missing))
        self._reviewed(resident_id=self.resident_id, number=self.reviews + 1, station_id=self.station_id,
                       district=self.district,
                       progress=tuple(sorted(progress, key=lambda p: p.number)), decision=decision, summary=summary,
                       reviewed_on=on, next_review_due=on + timedelta(days=self.review_every_days), reviewed_by=by)

    @event("Reviewed")
    def _reviewed(self, resident_id: UUID, number: int, station_id: UUID, district: str,
                  progress: tuple[GoalReview, ...], decision: ReviewDecision, summary: str | None, reviewed_on: date,
                  next_review_due: date, reviewed_by: str) -> None:
        self.reviews = number
        self.next_review_due = next_review_due

    # -- who holds it --------------------------------------------------------------------------------------

    def assign(self, social_worker_id: str, by: str) -> None:
        self._check_open()
        self._social_worker_assigned(resident_id=self.resident_id, station_id=self.station_id,
                                     social_worker_id=social_worker_id, assigned_by=by)

    @event("SocialWorkerAssigned")
    def _social_worker_assigned(self, resident_id: UUID, station_id: UUID, social_worker_id: str,
                                assigned_by: str) -> None:
        self.social_worker_id = social_worker_id

    def transfer(self, to_station_id: UUID, to_district: str, social_worker_id: str | None, by: str) -> None:
        self._check_open()
        if to_station_id == self.station_id:
            raise TransferToSameStationError(to_station_id)
        self._transferred(resident_id=self.resident_id, from_station_id=self.station_id, from_district=self.district,
                          to_station_id=to_station_id, to_district=to_district, social_worker_id=social_worker_id,
                          transferred_by=by)

    @event("Transferred")
    def _transferred(self, resident_id: UUID, from_station_id: UUID, from_district: str, to_station_id: UUID,
                     to_district: str, social_worker_id: str | None, transferred_by: str) -> None:
        self.previous_stations.append(from_station_id)
        self.station_id, self.district = to_station_id, to_district
        self.social_worker_id = social_worker_id

    # -- closure -------------------------------------------------------------------------------------------

    def close(self, reason: ClosureReason, outcomes: tuple[GoalResult, ...], note: str | None, on: date,
              by: str) -> CaseOutcome:
        self._check_open()
        self._check_on_or_after_opening(on, "closedOn")
        given = [r.number for r in outcomes]
        missing, unknown = set(self.goals) - set(given), set(given) - set(self.goals)
        if missing or unknown or len(given) != len(set(given)):
            raise GoalOutcomesIncompleteError(self.id, missing, unknown)
        outcome = case_outcome({r.number: r.outcome for r in outcomes})
        self._closed(resident_id=self.resident_id, station_id=self.station_id, reason=reason,
                     goal_outcomes=tuple(sorted(outcomes, key=lambda r: r.number)), outcome=outcome, note=note,
                     closed_on=on, closed_by=by)
        return outcome

    @event("Closed")
    def _closed(self, resident_id: UUID, station_id: UUID, reason: ClosureReason, goal_outcomes: tuple[GoalResult, ...],
                outcome: CaseOutcome, note: str | None, closed_on: date, closed_by: str) -> None:
        self.status = CaseStatus.CLOSED
        self.outcome = outcome
        self.next_review_due = None
