"""The closed sets of casework as GraphQL enums, mirrored from the domain's (one list of values: the domain's)."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from civicledger.domains.casework import values as v
from civicledger.graphql.conventions import describe_enum_values


def _mirror(domain: type[Enum], name: str, description: str) -> Any:
    mirrored = Enum(name, [(m.name, m.value) for m in domain])  # type: ignore[misc]
    return strawberry.enum(mirrored, name=name, description=description)


IntakeSourceEnum = _mirror(v.IntakeSource, "CaseworkIntakeSource", "How a case came in: LINKAGE_REFERRAL (a "
                           "three-society linkage referral), WALK_IN, OTHER_PROGRAM (another program of the bureau).")
RiskLevelEnum = _mirror(v.RiskLevel, "CaseworkRiskLevel", "The assessment's risk; a HIGH-risk case is reviewed at "
                        "least every 30 days.")
NeedAreaEnum = _mirror(v.NeedArea, "CaseworkNeedArea", "What an assessment finds and a goal works on.")
SessionKindEnum = _mirror(v.SessionKind, "CaseworkSessionKind", "How a session was held.")
GoalProgressEnum = _mirror(v.GoalProgress, "CaseworkGoalProgress", "A review's word on a goal.")
ReviewDecisionEnum = _mirror(v.ReviewDecision, "CaseworkReviewDecision", "What a periodic review decided.")
GoalOutcomeEnum = _mirror(v.GoalOutcome, "CaseworkGoalOutcome", "How a goal ended, at closure.")
ClosureReasonEnum = _mirror(v.ClosureReason, "CaseworkClosureReason", "Why a case closed.")
describe_enum_values("CaseworkClosureReason", {
    "GOALS_MET": "The service plan's goals were met.", "RESIDENT_WITHDREW": "The resident ended the service.",
    "MOVED_AWAY": "The resident moved out of the station's area.",
    "REFERRED_ELSEWHERE": "Handed to another service better placed to help.",
    "NO_LONGER_REACHABLE": "The resident could no longer be reached.", "DECEASED": "The resident died.",
    "NOT_FOR_CASEWORK": "The need is not one casework serves.",
})
describe_enum_values("CaseworkNeedArea", {
    "DAILY_LIVING": "Daily living (self-care, meals, chores).", "HEALTH_AND_CARE": "Physical health and care.",
    "MENTAL_WELLBEING": "Mental wellbeing.", "FAMILY_RELATIONSHIPS": "Family relationships.",
    "SOCIAL_CONNECTION": "Social connection (isolation, loneliness).",
    "EDUCATION_AND_EMPLOYMENT": "Education and employment.", "FINANCES_AND_BENEFITS": "Money and benefits.",
    "HOUSING": "Housing.", "SAFETY": "Safety (violence, neglect, risk at home).", "LEGAL_MATTERS": "Legal matters.",
})
CaseOutcomeEnum = _mirror(v.CaseOutcome, "CaseworkCaseOutcome", "The case's outcome from its goals' (what a "
                          "linkage referral is told): ACHIEVED (every goal), PARTLY_ACHIEVED, NOT_ACHIEVED, "
                          "NO_SERVICE_PLAN (closed before a plan).")


describe_enum_values("CaseworkIntakeSource", {
    "LINKAGE_REFERRAL": "A three-society linkage referral (its id is required).",
    "WALK_IN": "The resident (or their family) came to the station.",
    "OTHER_PROGRAM": "Another program of the bureau (the program and its reference are required).",
})
describe_enum_values("CaseworkRiskLevel", {
    "LOW": "Low risk.", "MEDIUM": "Medium risk.",
    "HIGH": "A risk to safety: the plan is reviewed at least every 30 days.",
})
describe_enum_values("CaseworkSessionKind", {
    "HOME_VISIT": "A home visit (家访).", "OFFICE": "At the station.", "PHONE": "By phone.", "ONLINE": "Online.",
    "GROUP": "A group session (小组).", "OUTREACH": "Met in the community.",
})
describe_enum_values("CaseworkGoalProgress", {
    "NOT_STARTED": "Not started.", "ON_TRACK": "On track.", "AT_RISK": "At risk of not being met.",
    "ACHIEVED": "Achieved.",
})
describe_enum_values("CaseworkReviewDecision", {
    "CONTINUE": "Keep working to the plan.", "REVISE_PLAN": "A new plan is to be agreed.",
    "PREPARE_CLOSURE": "The goals are met or the service should end.",
})
describe_enum_values("CaseworkGoalOutcome", {
    "ACHIEVED": "Achieved.", "PARTLY_ACHIEVED": "Partly achieved.", "NOT_ACHIEVED": "Not achieved.",
    "DISCONTINUED": "No longer worked on (the resident's choice, a change of circumstances).",
})
describe_enum_values("CaseworkCaseOutcome", {
    "ACHIEVED": "Every goal achieved.", "PARTLY_ACHIEVED": "Some goal achieved or partly achieved.",
    "NOT_ACHIEVED": "No goal achieved, not even in part.", "NO_SERVICE_PLAN": "Closed before a plan was agreed.",
})
