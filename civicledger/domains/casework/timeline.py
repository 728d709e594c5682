"""How casework appears on a resident's timeline. No personal data: never the need, a summary, a goal's words
or what was said in a session — only that it happened, how, and counts. Which special project serves someone
(community corrections, drug rehabilitation, mental-health recovery ...) is itself sensitive, so the timeline
(shown to every role that may see the resident) names only the stations' own services."""

from __future__ import annotations

from civicledger.core.timeline import TimelineContribution, TimelineEntry, entry
from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.catalogue import BY_CODE, ServiceKind
from civicledger.domains.casework.values import GoalOutcome, IntakeSource

FROM = {IntakeSource.LINKAGE_REFERRAL: "from a three-society linkage referral", IntakeSource.WALK_IN: "as a walk-in",
        IntakeSource.OTHER_PROGRAM: "from another program"}
ACHIEVED = (GoalOutcome.ACHIEVED,)


def _service(code: str) -> str:
    found = BY_CODE.get(code)
    return found.label if found is not None and found.kind is ServiceKind.STATION else "a special project"


def _opened(e: CaseworkCase.Opened) -> TimelineEntry:
    return entry(e.resident_id, "casework.case_opened", f"Taken into casework ({_service(e.service)}) {FROM[e.source]}")


def _plan(e: CaseworkCase.PlanAgreed) -> TimelineEntry:
    goals = len(e.goals)
    return entry(e.resident_id, "casework.plan_agreed", f"Casework service plan {e.plan_version} agreed: {goals} "
                 f"goal{'s' if goals != 1 else ''}, reviewed every {e.review_every_days} days")


def _session(e: CaseworkCase.SessionRecorded) -> TimelineEntry:
    kind = e.kind.value.lower().replace("_", " ")
    return entry(e.resident_id, "casework.session_recorded",
                 f"Casework session {e.number}: {kind}, {e.minutes} minutes")


def _reviewed(e: CaseworkCase.Reviewed) -> TimelineEntry:
    decision = e.decision.value.lower().replace("_", " ")
    return entry(e.resident_id, "casework.case_reviewed", f"Casework review {e.number}: {decision}")


def _closed(e: CaseworkCase.Closed) -> TimelineEntry:
    achieved = sum(1 for r in e.goal_outcomes if r.outcome in ACHIEVED)
    goals = f", {achieved} of {len(e.goal_outcomes)} goals achieved" if e.goal_outcomes else ""
    reason = e.reason.value.lower().replace("_", " ")
    return entry(e.resident_id, "casework.case_closed", f"Casework case closed ({reason}){goals}")


CONTRIBUTION = TimelineContribution(
    program="casework",
    rules={
        CaseworkCase.Opened: _opened,
        CaseworkCase.Assessed: lambda e: entry(e.resident_id, "casework.case_assessed", "Casework assessment made"),
        CaseworkCase.PlanAgreed: _plan,
        CaseworkCase.SessionRecorded: _session,
        CaseworkCase.Reviewed: _reviewed,
        CaseworkCase.SocialWorkerAssigned: lambda e: entry(e.resident_id, "casework.social_worker_assigned",
                                                           "A social worker was assigned to the casework case"),
        CaseworkCase.Transferred: lambda e: entry(e.resident_id, "casework.case_transferred",
                                                  "Casework case transferred to another station"),
        CaseworkCase.Closed: _closed,
    },
)
