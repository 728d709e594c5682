"""Commands of social-work casework: what a caller asks for, before any checks (raw values: the service cleans
and validates them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

# -- stations ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterCaseworkStation:
    name: str
    level: str  # STREET or COMMUNITY
    district: str
    street: str
    office: str
    services: tuple[str, ...]
    community: str | None = None


@dataclass(frozen=True)
class AddStationSocialWorker:
    station_id: UUID
    staff_id: str
    title: str = "社工"
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveStationSocialWorker:
    station_id: UUID
    staff_id: str
    expected_version: int | None = None


# -- cases ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCaseworkCase:
    """Take a resident in at a station: from a linkage referral (`referral_id`), a walk-in, or another program
    (`source_program` and its `source_reference`)."""

    station_id: UUID
    resident_id: UUID
    service: str
    presenting_need: str
    source: str = "WALK_IN"
    referral_id: UUID | None = None
    source_program: str | None = None
    source_reference: str | None = None
    social_worker_id: str | None = None


@dataclass(frozen=True)
class AssessCaseworkCase:
    case_id: UUID
    risk: str
    need_areas: tuple[str, ...]
    summary: str
    assessed_on: date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class PlanGoal:
    area: str
    description: str
    target_date: date


@dataclass(frozen=True)
class AgreeServicePlan:
    """Agree the service plan (or a new one, replacing the goals of the last)."""

    case_id: UUID
    goals: tuple[PlanGoal, ...]
    review_every_days: int = 90
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordCaseworkSession:
    case_id: UUID
    kind: str
    minutes: int
    notes: str
    held_on: date | None = None
    goals_addressed: tuple[int, ...] = ()
    expected_version: int | None = None


@dataclass(frozen=True)
class GoalProgressGiven:
    goal: int
    progress: str


@dataclass(frozen=True)
class ReviewCaseworkCase:
    case_id: UUID
    progress: tuple[GoalProgressGiven, ...]
    decision: str
    summary: str
    reviewed_on: date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class AssignCaseworkSocialWorker:
    case_id: UUID
    social_worker_id: str
    expected_version: int | None = None


@dataclass(frozen=True)
class TransferCaseworkCase:
    case_id: UUID
    to_station_id: UUID
    social_worker_id: str | None = None  # at the receiving station
    expected_version: int | None = None


@dataclass(frozen=True)
class GoalOutcomeGiven:
    goal: int
    outcome: str


@dataclass(frozen=True)
class CloseCaseworkCase:
    case_id: UUID
    closure_reason: str
    goal_outcomes: tuple[GoalOutcomeGiven, ...]
    note: str | None = None
    expected_version: int | None = None
