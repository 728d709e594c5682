"""The casework case on its own: stages in order, goals numbered by the plan, one outcome per goal at
closure, and a closed case that never changes."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from civicledger.domains.casework.case import CaseworkCase
from civicledger.domains.casework.errors import (
    CaseworkCaseClosedError,
    CaseworkCaseStateError,
    CaseworkValueInvalidError,
    GoalOutcomesIncompleteError,
    GoalUnknownError,
    TransferToSameStationError,
)
from civicledger.domains.casework.values import (
    CaseOutcome,
    CaseStatus,
    ClosureReason,
    GoalOutcome,
    GoalProgress,
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

JIANGHAI_STATION = uuid.uuid4()
SHAYUAN_STATION = uuid.uuid4()
WANG_FANG = uuid.uuid4()
MARCH_2 = date(2026, 3, 2)
JUNE_30 = date(2026, 6, 30)
SOCIAL_WORKER_HE = "sw-he"


def a_case(opened_on: date = MARCH_2) -> CaseworkCase:
    return CaseworkCase(station_id=JIANGHAI_STATION, district="HAIZHU", resident_id=WANG_FANG, service="ELDER",
                        source=IntakeSource.WALK_IN, referral_id=None, source_program=None, source_reference=None,
                        presenting_need="独居长者", social_worker_id=SOCIAL_WORKER_HE, opened_on=opened_on,
                        opened_by=SOCIAL_WORKER_HE)


def with_plan(goals: int = 2, risk: RiskLevel = RiskLevel.MEDIUM) -> CaseworkCase:
    case = a_case()
    case.assess(risk, (NeedArea.MENTAL_WELLBEING,), "情绪低落", MARCH_2, SOCIAL_WORKER_HE)
    terms = tuple(GoalTerms(n, NeedArea.MENTAL_WELLBEING, JUNE_30) for n in range(1, goals + 1))
    case.agree_plan(terms, tuple(f"目标{n}" for n in range(1, goals + 1)), 30, MARCH_2, SOCIAL_WORKER_HE)
    return case


def test_a_case_moves_from_intake_through_assessment_to_service() -> None:
    case = a_case()
    assert case.status is CaseStatus.INTAKE

    case.assess(RiskLevel.LOW, (NeedArea.DAILY_LIVING,), "需要助餐", MARCH_2, SOCIAL_WORKER_HE)
    assert case.status is CaseStatus.ASSESSED

    case.agree_plan((GoalTerms(1, NeedArea.DAILY_LIVING, JUNE_30),), ("每日助餐",), 90, MARCH_2, SOCIAL_WORKER_HE)
    assert case.status is CaseStatus.IN_SERVICE
    assert case.next_review_due == date(2026, 5, 31)


def test_a_plan_cannot_come_before_the_assessment() -> None:
    case = a_case()

    with pytest.raises(CaseworkCaseStateError):
        case.agree_plan((GoalTerms(1, NeedArea.DAILY_LIVING, JUNE_30),), ("每日助餐",), 90, MARCH_2, SOCIAL_WORKER_HE)


def test_a_case_is_assessed_once() -> None:
    case = with_plan()

    with pytest.raises(CaseworkCaseStateError):
        case.assess(RiskLevel.LOW, (NeedArea.DAILY_LIVING,), "again", MARCH_2, SOCIAL_WORKER_HE)


def test_a_high_risk_case_is_reviewed_at_least_monthly() -> None:
    case = a_case()
    case.assess(RiskLevel.HIGH, (NeedArea.SAFETY,), "有自伤风险", MARCH_2, SOCIAL_WORKER_HE)

    with pytest.raises(CaseworkValueInvalidError):
        case.agree_plan((GoalTerms(1, NeedArea.SAFETY, JUNE_30),), ("安全计划",), 90, MARCH_2, SOCIAL_WORKER_HE)


def test_a_new_plan_replaces_the_goals_of_the_last() -> None:
    case = with_plan(goals=3)

    case.agree_plan((GoalTerms(1, NeedArea.HOUSING, JUNE_30),), ("申请公租房",), 30, MARCH_2, SOCIAL_WORKER_HE)

    assert case.plan_version == 2
    assert list(case.goals) == [1]


def test_a_session_may_address_only_goals_of_the_plan() -> None:
    case = with_plan(goals=2)

    with pytest.raises(GoalUnknownError):
        case.record_session(MARCH_2, SessionKind.HOME_VISIT, 45, (3,), "家访", SOCIAL_WORKER_HE)
    assert case.record_session(MARCH_2, SessionKind.HOME_VISIT, 45, (1, 2), "家访", SOCIAL_WORKER_HE) == 1


def test_a_session_is_not_held_before_the_case_was_opened() -> None:
    case = a_case(opened_on=MARCH_2)

    with pytest.raises(CaseworkValueInvalidError):
        case.record_session(date(2026, 3, 1), SessionKind.PHONE, 20, (), "电话", SOCIAL_WORKER_HE)


def test_a_review_gives_the_progress_of_every_goal() -> None:
    case = with_plan(goals=2)

    with pytest.raises(CaseworkValueInvalidError):
        case.review((GoalReview(1, GoalProgress.ON_TRACK),), ReviewDecision.CONTINUE, "进展", MARCH_2,
                    SOCIAL_WORKER_HE)
    case.review((GoalReview(1, GoalProgress.ON_TRACK), GoalReview(2, GoalProgress.AT_RISK)), ReviewDecision.CONTINUE,
                "进展", date(2026, 4, 1), SOCIAL_WORKER_HE)
    assert case.next_review_due == date(2026, 5, 1)


def test_a_case_closes_only_with_one_outcome_for_every_goal() -> None:
    case = with_plan(goals=2)

    with pytest.raises(GoalOutcomesIncompleteError) as missing:
        case.close(ClosureReason.GOALS_MET, (GoalResult(1, GoalOutcome.ACHIEVED),), None, MARCH_2, SOCIAL_WORKER_HE)
    with pytest.raises(GoalOutcomesIncompleteError):
        case.close(ClosureReason.GOALS_MET, (GoalResult(1, GoalOutcome.ACHIEVED), GoalResult(2, GoalOutcome.ACHIEVED),
                                             GoalResult(3, GoalOutcome.ACHIEVED)), None, MARCH_2, SOCIAL_WORKER_HE)
    assert missing.value.details["missingGoals"] == [2]
    assert case.status is CaseStatus.IN_SERVICE


def test_the_case_outcome_follows_its_goals() -> None:
    assert case_outcome({}) is CaseOutcome.NO_SERVICE_PLAN
    assert case_outcome({1: GoalOutcome.ACHIEVED, 2: GoalOutcome.ACHIEVED}) is CaseOutcome.ACHIEVED
    assert case_outcome({1: GoalOutcome.ACHIEVED, 2: GoalOutcome.NOT_ACHIEVED}) is CaseOutcome.PARTLY_ACHIEVED
    assert case_outcome({1: GoalOutcome.DISCONTINUED, 2: GoalOutcome.NOT_ACHIEVED}) is CaseOutcome.NOT_ACHIEVED


def test_a_closed_case_never_changes() -> None:
    case = with_plan(goals=1)
    assert case.close(ClosureReason.GOALS_MET, (GoalResult(1, GoalOutcome.ACHIEVED),), None, MARCH_2,
                      SOCIAL_WORKER_HE) is CaseOutcome.ACHIEVED

    for act in (lambda: case.record_session(MARCH_2, SessionKind.PHONE, 10, (), "回访", SOCIAL_WORKER_HE),
                lambda: case.transfer(SHAYUAN_STATION, "HAIZHU", None, SOCIAL_WORKER_HE),
                lambda: case.assign("sw-liang", SOCIAL_WORKER_HE),
                lambda: case.close(ClosureReason.GOALS_MET, (GoalResult(1, GoalOutcome.ACHIEVED),), None, MARCH_2,
                                   SOCIAL_WORKER_HE)):
        with pytest.raises(CaseworkCaseClosedError):
            act()


def test_a_transfer_moves_the_case_and_remembers_where_it_was() -> None:
    case = with_plan()

    with pytest.raises(TransferToSameStationError):
        case.transfer(JIANGHAI_STATION, "HAIZHU", None, SOCIAL_WORKER_HE)
    case.transfer(SHAYUAN_STATION, "HAIZHU", "sw-liang", SOCIAL_WORKER_HE)

    assert (case.station_id, case.social_worker_id, case.previous_stations) == (SHAYUAN_STATION, "sw-liang",
                                                                               [JIANGHAI_STATION])


def test_what_is_said_about_the_resident_is_sealed_under_their_key() -> None:
    events = {type(e).__name__: e for e in with_plan().collect_events()}
    case = with_plan()
    case.record_session(MARCH_2, SessionKind.PHONE, 10, (), "回访", SOCIAL_WORKER_HE)
    session = case.collect_events()[-1]

    for event, field in ((events["Opened"], "presenting_need"), (events["Assessed"], "summary"),
                         (events["PlanAgreed"], "goal_descriptions"), (session, "notes")):
        assert type(event).personal_data[field] == "field:resident_id"
