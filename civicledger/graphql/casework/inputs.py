"""Inputs of casework mutations: each turns itself into its command (`to_command`, global ids to stream ids);
`reason` and `idempotencyKey` become the command's metadata. Limits: names 120 characters, office codes and
staff ids 80, texts 2,000 (a goal's words 500, a session's notes 4,000), at most 10 goals per plan."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.casework import commands as c
from civicledger.graphql.casework.enums import (
    ClosureReasonEnum,
    GoalOutcomeEnum,
    GoalProgressEnum,
    IntakeSourceEnum,
    NeedAreaEnum,
    ReviewDecisionEnum,
    RiskLevelEnum,
    SessionKindEnum,
)
from civicledger.graphql.casework.types import StationLevelEnum
from civicledger.graphql.relay import uuid_of

STATION, CASE, RESIDENT = "CaseworkStation", "CaseworkCase", "Resident"
REASON = "Why (stored with the event, shown to inspectors; no personal data). Required for transfers."
KEY = "A retry with the same key returns the first result and writes nothing."
VERSION = "The case's version you saw: a stale one is CONFLICT and writes nothing."


@strawberry.input(name="RegisterCaseworkStationInput", description="Admins, or supervisors of the district.")
class RegisterStationInput:
    name: str = strawberry.field(description="The station's name, up to 120 characters.")
    level: StationLevelEnum = strawberry.field(description="Street- or community-level.")
    district: str = strawberry.field(description="A district code (HAIZHU) or name (海珠区).")
    street: str = strawberry.field(description="One of the district's streets, as the reference data spells it.")
    office: str = strawberry.field(description="The office code every social worker's token names; unique.")
    services: list[str] = strawberry.field(description="Codes of the services and special projects it runs "
                                                       "(see caseworkServices), at least one.")
    community: str | None = strawberry.field(default=None, description="Required for a community-level station.")
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RegisterCaseworkStation:
        return c.RegisterCaseworkStation(self.name, self.level.value, self.district, self.street, self.office,
                                         tuple(self.services), self.community)


@strawberry.input(name="CaseworkSocialWorkerInput", description="Admins, or supervisors of the station's district.")
class SocialWorkerInput:
    station_id: strawberry.ID = strawberry.field(description="The CaseworkStation.")
    staff_id: str = strawberry.field(description="The social worker's user id (their token's subject), up to 80 "
                                                 "characters.")
    title: str = strawberry.field(default="社工", description="Their job title, up to 60 characters.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def add(self) -> c.AddStationSocialWorker:
        return c.AddStationSocialWorker(uuid_of(self.station_id, STATION), self.staff_id, self.title,
                                        self.expected_version)

    def remove(self) -> c.RemoveStationSocialWorker:
        return c.RemoveStationSocialWorker(uuid_of(self.station_id, STATION), self.staff_id, self.expected_version)


@strawberry.input(name="OpenCaseworkCaseInput", description="Take a resident in at a station: its social workers "
                  "for residents of their district, or an integrator for another program.")
class OpenCaseInput:
    station_id: strawberry.ID = strawberry.field(description="The CaseworkStation.")
    resident_id: strawberry.ID = strawberry.field(description="The Resident to take in.")
    service: str = strawberry.field(description="A service or special project the station runs.")
    presenting_need: str = strawberry.field(description="Why the resident came, in their words (personal data).")
    source: IntakeSourceEnum = strawberry.field(default=IntakeSourceEnum.WALK_IN,  # type: ignore[attr-defined]
                                              description="How the case came in.")
    referral_id: strawberry.ID | None = strawberry.field(default=None, description="LINKAGE_REFERRAL: the Referral.")
    source_program: str | None = strawberry.field(default=None, description="OTHER_PROGRAM: the program's name.")
    source_reference: str | None = strawberry.field(default=None, description="OTHER_PROGRAM: its reference.")
    social_worker_id: str | None = strawberry.field(default=None, description="Default: you, if on the staff list.")
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.OpenCaseworkCase:
        return c.OpenCaseworkCase(
            uuid_of(self.station_id, STATION), uuid_of(self.resident_id, RESIDENT), self.service,
            self.presenting_need, self.source.value,
            uuid_of(self.referral_id, "Referral") if self.referral_id else None, self.source_program,
            self.source_reference, self.social_worker_id)


@strawberry.input(name="AssessCaseworkCaseInput", description="Assess a case at intake (once): the holding "
                  "station's social workers.")
class AssessInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    risk: RiskLevelEnum = strawberry.field(description="The risk the assessment found.")
    need_areas: list[NeedAreaEnum] = strawberry.field(description="At least one.")
    summary: str = strawberry.field(description="What the assessment found (personal data).")
    assessed_on: date | None = strawberry.field(default=None, description="Default: today; never in the future.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AssessCaseworkCase:
        return c.AssessCaseworkCase(uuid_of(self.case_id, CASE), self.risk.value,
                                    tuple(a.value for a in self.need_areas), self.summary, self.assessed_on,
                                    self.expected_version)


@strawberry.input(name="CaseworkGoalInput", description="One goal of a service plan.")
class GoalInput:
    area: NeedAreaEnum = strawberry.field(description="What the goal works on.")
    description: str = strawberry.field(description="The goal in words (personal data), up to 500 characters.")
    target_date: date = strawberry.field(description="By when; not before today.")


@strawberry.input(name="AgreeCaseworkServicePlanInput", description="A new plan replaces the goals of the last; "
                  "goals are numbered 1, 2, ... in the order given.")
class AgreePlanInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    goals: list[GoalInput] = strawberry.field(description="1 to 10 goals.")
    review_every_days: int = strawberry.field(default=90, description="7 to 180; at most 30 for a HIGH-risk case.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AgreeServicePlan:
        return c.AgreeServicePlan(uuid_of(self.case_id, CASE), tuple(
            c.PlanGoal(g.area.value, g.description, g.target_date) for g in self.goals), self.review_every_days,
            self.expected_version)


@strawberry.input(name="RecordCaseworkSessionInput", description="Only the holding station's social workers.")
class SessionInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    kind: SessionKindEnum = strawberry.field(description="How it was held.")
    minutes: int = strawberry.field(description="1 to 480.")
    notes: str = strawberry.field(description="What was said and done (personal data, up to 4,000 characters).")
    held_on: date | None = strawberry.field(default=None, description="Default: today; never in the future.")
    goals_addressed: list[int] = strawberry.field(default_factory=list, description="Numbers of the plan's goals.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordCaseworkSession:
        return c.RecordCaseworkSession(uuid_of(self.case_id, CASE), self.kind.value, self.minutes, self.notes,
                                       self.held_on, tuple(self.goals_addressed), self.expected_version)


@strawberry.input(name="CaseworkGoalProgressInput", description="A review's word on one goal.")
class GoalProgressInput:
    goal: int = strawberry.field(description="The goal's number in the plan.")
    progress: GoalProgressEnum = strawberry.field(description="Its progress.")


@strawberry.input(name="ReviewCaseworkCaseInput", description="A periodic review: every goal's progress, once.")
class ReviewInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    progress: list[GoalProgressInput] = strawberry.field(description="Every goal of the plan, once.")
    decision: ReviewDecisionEnum = strawberry.field(description="What the review decided.")
    summary: str = strawberry.field(description="The review's summary (personal data).")
    reviewed_on: date | None = strawberry.field(default=None, description="Default: today; never in the future.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ReviewCaseworkCase:
        return c.ReviewCaseworkCase(uuid_of(self.case_id, CASE), tuple(
            c.GoalProgressGiven(p.goal, p.progress.value) for p in self.progress), self.decision.value, self.summary,
            self.reviewed_on, self.expected_version)


@strawberry.input(name="AssignCaseworkSocialWorkerInput", description="The holding station's social workers, or a "
                  "supervisor of its district.")
class AssignInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    social_worker_id: str = strawberry.field(description="One of the holding station's social workers.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.AssignCaseworkSocialWorker:
        return c.AssignCaseworkSocialWorker(uuid_of(self.case_id, CASE), self.social_worker_id, self.expected_version)


@strawberry.input(name="TransferCaseworkCaseInput", description="Hand the case to another station that runs its "
                  "service; the old station loses it, notes included. Needs a right over both stations' districts.")
class TransferInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    to_station_id: strawberry.ID = strawberry.field(description="The receiving CaseworkStation.")
    reason: str = strawberry.field(description=REASON)
    social_worker_id: str | None = strawberry.field(default=None, description="At the receiving station.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.TransferCaseworkCase:
        return c.TransferCaseworkCase(uuid_of(self.case_id, CASE), uuid_of(self.to_station_id, STATION),
                                      self.social_worker_id, self.expected_version)


@strawberry.input(name="CaseworkGoalOutcomeInput", description="How one goal ended.")
class GoalOutcomeInput:
    goal: int = strawberry.field(description="The goal's number in the plan.")
    outcome: GoalOutcomeEnum = strawberry.field(description="How it ended.")


@strawberry.input(name="CloseCaseworkCaseInput", description="Close with exactly one outcome per goal of the "
                  "current plan (none when no plan was agreed); a closed case never changes.")
class CloseInput:
    case_id: strawberry.ID = strawberry.field(description="The CaseworkCase.")
    closure_reason: ClosureReasonEnum = strawberry.field(description="Why it closes.")
    goal_outcomes: list[GoalOutcomeInput] = strawberry.field(description="One per goal of the plan.")
    note: str | None = strawberry.field(default=None, description="A closing note (personal data).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description=REASON)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CloseCaseworkCase:
        return c.CloseCaseworkCase(uuid_of(self.case_id, CASE), self.closure_reason.value, tuple(
            c.GoalOutcomeGiven(o.goal, o.outcome.value) for o in self.goal_outcomes), self.note,
            self.expected_version)
