"""The parts of a casework case: its plan and goals, sessions (notes only for the station holding the case, and
inspectors with a purpose), reviews, closure and history entries; and the connections that page them."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from civicledger.graphql.casework import access
from civicledger.graphql.casework.enums import (
    CaseOutcomeEnum,
    ClosureReasonEnum,
    GoalOutcomeEnum,
    GoalProgressEnum,
    NeedAreaEnum,
    ReviewDecisionEnum,
    SessionKindEnum,
)
from civicledger.graphql.casework.types import StationType, station
from civicledger.graphql.relay import connection

NOTES_RULE = ("Masked (\"***\") unless the reader is a social worker of the station holding the case now, or an "
              "inspector with a stated purpose (X-Access-Purpose); every unmasked read is logged.")
PERSONAL_RULE = ("The resident's personal data: masked unless the reader may see it (caseworkers and supervisors of "
                 "the holding station's district, integrators with the personal scope, inspectors with a purpose).")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or [])


# -- plan and goals ------------------------------------------------------------------------------------


@strawberry.type(name="CaseworkGoal", description="A goal of the current service plan.")
class GoalType:
    row: strawberry.Private[Any]  # the case's row
    goal: strawberry.Private[dict[str, Any]]
    index: strawberry.Private[int]

    @strawberry.field(description="Its number in the plan, from 1.")
    def number(self) -> int:
        return int(self.goal["number"])

    @strawberry.field(description="What the goal works on.")
    def area(self) -> NeedAreaEnum:
        return NeedAreaEnum(self.goal["area"])

    @strawberry.field(description=PERSONAL_RULE)
    def description(self, info: Info) -> str | None:
        words = _json(self.row["goal_descriptions"]) if self.row["goal_descriptions"] is not None else None
        value = words[self.index] if words and self.index < len(words) else None
        if value is None:
            return None
        return value if access.reveal(info, self.row, "goalDescription") else access.masked(value)

    @strawberry.field(description="By when the goal should be reached.")
    def target_date(self) -> date:
        return date.fromisoformat(self.goal["targetDate"])

    @strawberry.field(description="What the latest review said (null before any review).")
    def progress(self) -> GoalProgressEnum | None:
        return GoalProgressEnum(self.goal["progress"]) if self.goal.get("progress") else None

    @strawberry.field(description="How it ended (closed cases only).")
    def outcome(self) -> GoalOutcomeEnum | None:
        return GoalOutcomeEnum(self.goal["outcome"]) if self.goal.get("outcome") else None


@strawberry.type(name="CaseworkServicePlan", description="The service plan in force: a new plan replaces the goals.")
class PlanType:
    row: strawberry.Private[Any]

    @strawberry.field(description="1 for the first plan, then one more for each new plan.")
    def version(self) -> int:
        return self.row["plan_version"]

    @strawberry.field(description="The day the plan was agreed.")
    def agreed_on(self) -> date:
        return self.row["plan_agreed_on"]

    @strawberry.field(description="Days between periodic reviews (7 to 180; at most 30 for a HIGH-risk case).")
    def review_every_days(self) -> int:
        return self.row["review_every_days"]

    @strawberry.field(description="The plan's goals (at most 10), by number.")
    def goals(self) -> list[GoalType]:
        return [GoalType(row=self.row, goal=g, index=i) for i, g in enumerate(_json(self.row["goals"]))]


# -- sessions, reviews, history ------------------------------------------------------------------------


@strawberry.type(name="CaseworkSession", description="A session with the resident: when, how long, what it worked "
                 "on, and what was said (the notes).")
class SessionType:
    row: strawberry.Private[Any]

    @strawberry.field(description="1, 2, ... in the order sessions were recorded.")
    def number(self) -> int:
        return self.row["number"]

    @strawberry.field(description="The day it was held.")
    def held_on(self) -> date:
        return self.row["held_on"]

    @strawberry.field(description="How it was held.")
    def kind(self) -> SessionKindEnum:
        return SessionKindEnum(self.row["kind"])

    @strawberry.field(description="How long it took (1 to 480).")
    def minutes(self) -> int:
        return self.row["minutes"]

    @strawberry.field(description="Numbers of the plan's goals it worked on.")
    def goals_addressed(self) -> list[int]:
        return list(self.row["goals_addressed"])

    @strawberry.field(description=NOTES_RULE)
    async def notes(self, info: Info) -> str | None:
        value = self.row["notes"]
        if value is None:
            return None
        return value if await access.reveal_held(info, self.row, "sessionNotes") else access.masked(value)

    @strawberry.field(description="The social worker who recorded it (user id).")
    def recorded_by(self) -> str:
        return self.row["recorded_by"]

    @strawberry.field(description="When it was recorded (UTC).")
    def recorded_at(self) -> datetime:
        return self.row["recorded_at"]

    @strawberry.field(description="The station that recorded it (the case may have moved since).")
    async def recorded_at_station(self, info: Info) -> StationType | None:
        return await station(info, self.row["recorded_station_id"])


@strawberry.type(name="CaseworkGoalReview", description="A review's word on one goal.")
class GoalReviewType:
    goal: int = strawberry.field(description="The goal's number in the plan.")
    progress: GoalProgressEnum = strawberry.field(description="Its progress.")


@strawberry.type(name="CaseworkReview", description="A periodic review: each goal's progress and the decision.")
class ReviewType:
    row: strawberry.Private[Any]

    @strawberry.field(description="1, 2, ... in the order they were recorded.")
    def number(self) -> int:
        return self.row["number"]

    @strawberry.field(description="The day of the review.")
    def reviewed_on(self) -> date:
        return self.row["reviewed_on"]

    @strawberry.field(description="What the review decided.")
    def decision(self) -> ReviewDecisionEnum:
        return ReviewDecisionEnum(self.row["decision"])

    @strawberry.field(description="One entry per goal of the plan reviewed.")
    def progress(self) -> list[GoalReviewType]:
        return [GoalReviewType(goal=p["number"], progress=GoalProgressEnum(p["progress"]))
                for p in _json(self.row["progress"])]

    @strawberry.field(description=NOTES_RULE)
    async def summary(self, info: Info) -> str | None:
        value = self.row["summary"]
        if value is None:
            return None
        return value if await access.reveal_held(info, self.row, "reviewSummary") else access.masked(value)

    @strawberry.field(description="When the next review became due.")
    def next_review_due(self) -> date:
        return self.row["next_review_due"]

    @strawberry.field(description="The social worker who reviewed (user id).")
    def reviewed_by(self) -> str:
        return self.row["reviewed_by"]


@strawberry.type(name="CaseworkHistoryEntry", description="One event of the case: what, who, from which office, "
                 "why, when — and its fields that are not personal data.")
class HistoryEntryType:
    kind: str = strawberry.field(description="The event, e.g. CaseworkCase.SessionRecorded.")
    details: strawberry.scalars.JSON = strawberry.field(description="Its fields that are not personal data.")
    actor_id: str | None = strawberry.field(description="Who (user id).")
    actor_role: str | None = strawberry.field(description="Their role.")
    actor_office: str | None = strawberry.field(description="Their office.")
    reason: str | None = strawberry.field(description="Why, as the actor said.")
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    position: int = strawberry.field(description="The event's position in the global log.")


@strawberry.type(name="CaseworkClosure", description="How the case ended.")
class ClosureType:
    row: strawberry.Private[Any]

    @strawberry.field(description="Why it closed.")
    def reason(self) -> ClosureReasonEnum:
        return ClosureReasonEnum(self.row["closure_reason"])

    @strawberry.field(description="The case's outcome, from its goals'.")
    def outcome(self) -> CaseOutcomeEnum:
        return CaseOutcomeEnum(self.row["outcome"])

    @strawberry.field(description="The day it closed.")
    def closed_on(self) -> date:
        return self.row["closed_on"]

    @strawberry.field(description=PERSONAL_RULE)
    def note(self, info: Info) -> str | None:
        value = self.row["closing_note"]
        if value is None:
            return None
        return value if access.reveal(info, self.row, "closingNote") else access.masked(value)




SessionEdge, SessionConnection = connection("CaseworkSession", SessionType, "A case's sessions, in order.")
ReviewEdge, ReviewConnection = connection("CaseworkReview", ReviewType, "A case's reviews, in order.")
HistoryEdge, HistoryConnection = connection("CaseworkHistory", HistoryEntryType, "A case's events, oldest first.")
