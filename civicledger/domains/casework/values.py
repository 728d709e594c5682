"""Small values of a casework case: how it came in, what the assessment found, the plan's goals, how a
session was held, what a review decided and how the case ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum


class CaseStatus(str, Enum):
    INTAKE = "INTAKE"  # taken in, not yet assessed
    ASSESSED = "ASSESSED"  # assessed, no service plan yet
    IN_SERVICE = "IN_SERVICE"  # working to an agreed service plan
    CLOSED = "CLOSED"


OPEN = (CaseStatus.INTAKE, CaseStatus.ASSESSED, CaseStatus.IN_SERVICE)


class IntakeSource(str, Enum):
    LINKAGE_REFERRAL = "LINKAGE_REFERRAL"  # a three-society linkage referral (referral id required)
    WALK_IN = "WALK_IN"  # the resident (or family) came to the station
    OTHER_PROGRAM = "OTHER_PROGRAM"  # another program of the bureau (program and its reference required)


class RiskLevel(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"  # a risk to safety: the plan's reviews come at least monthly


class NeedArea(str, Enum):
    """What an assessment finds and what a goal works on."""

    DAILY_LIVING = "DAILY_LIVING"
    HEALTH_AND_CARE = "HEALTH_AND_CARE"
    MENTAL_WELLBEING = "MENTAL_WELLBEING"
    FAMILY_RELATIONSHIPS = "FAMILY_RELATIONSHIPS"
    SOCIAL_CONNECTION = "SOCIAL_CONNECTION"
    EDUCATION_AND_EMPLOYMENT = "EDUCATION_AND_EMPLOYMENT"
    FINANCES_AND_BENEFITS = "FINANCES_AND_BENEFITS"
    HOUSING = "HOUSING"
    SAFETY = "SAFETY"
    LEGAL_MATTERS = "LEGAL_MATTERS"


@dataclass(frozen=True)
class GoalTerms:
    """A goal of the service plan without its words (those are the resident's personal data, kept apart and
    sealed): its number in the plan, what it works on and by when."""

    number: int
    area: NeedArea
    target_date: date


class SessionKind(str, Enum):
    HOME_VISIT = "HOME_VISIT"  # 家访
    OFFICE = "OFFICE"  # at the station
    PHONE = "PHONE"
    ONLINE = "ONLINE"
    GROUP = "GROUP"  # a group session (小组)
    OUTREACH = "OUTREACH"  # met in the community


class GoalProgress(str, Enum):
    NOT_STARTED = "NOT_STARTED"
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    ACHIEVED = "ACHIEVED"


@dataclass(frozen=True)
class GoalReview:
    """A review's word on one goal."""

    number: int
    progress: GoalProgress


class ReviewDecision(str, Enum):
    CONTINUE = "CONTINUE"  # keep working to the plan
    REVISE_PLAN = "REVISE_PLAN"  # a new plan is to be agreed
    PREPARE_CLOSURE = "PREPARE_CLOSURE"  # the goals are met or the service should end


class GoalOutcome(str, Enum):
    ACHIEVED = "ACHIEVED"
    PARTLY_ACHIEVED = "PARTLY_ACHIEVED"
    NOT_ACHIEVED = "NOT_ACHIEVED"
    DISCONTINUED = "DISCONTINUED"  # no longer worked on (the resident's choice, a change of circumstances)


@dataclass(frozen=True)
class GoalResult:
    """How one goal ended, at closure."""

    number: int
    outcome: GoalOutcome


class ClosureReason(str, Enum):
    GOALS_MET = "GOALS_MET"
    RESIDENT_WITHDREW = "RESIDENT_WITHDREW"
    MOVED_AWAY = "MOVED_AWAY"
    REFERRED_ELSEWHERE = "REFERRED_ELSEWHERE"
    NO_LONGER_REACHABLE = "NO_LONGER_REACHABLE"
    DECEASED = "DECEASED"
    NOT_FOR_CASEWORK = "NOT_FOR_CASEWORK"  # the need is not one casework serves


class CaseOutcome(str, Enum):
    """The case's outcome, from the outcomes of its goals (what a linkage referral is told)."""

    ACHIEVED = "ACHIEVED"  # every goal achieved
    PARTLY_ACHIEVED = "PARTLY_ACHIEVED"  # some goal achieved or partly achieved
    NOT_ACHIEVED = "NOT_ACHIEVED"  # no goal achieved, not even in part
    NO_SERVICE_PLAN = "NO_SERVICE_PLAN"  # closed before a plan was agreed


def case_outcome(outcomes: dict[int, GoalOutcome]) -> CaseOutcome:
    if not outcomes:
        return CaseOutcome.NO_SERVICE_PLAN
    values = set(outcomes.values())
    if values == {GoalOutcome.ACHIEVED}:
        return CaseOutcome.ACHIEVED
    if values & {GoalOutcome.ACHIEVED, GoalOutcome.PARTLY_ACHIEVED}:
        return CaseOutcome.PARTLY_ACHIEVED
    return CaseOutcome.NOT_ACHIEVED
