"""The issue's bad input, each a typed error with a stable code that writes nothing: a session written by
someone outside the holding station, a transfer to an unknown station, a closure without an outcome per goal,
any act on a closed case, another district's resident taken in by a district-bound worker — and the shapes
every input must have."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from civicledger.core.errors import CivicError
from civicledger.core.eventstore.application import Ledger
from civicledger.domains.casework import commands as c
from civicledger.domains.casework.errors import (
    CaseworkCaseClosedError,
    CaseworkStationNotFoundError,
    GoalOutcomesIncompleteError,
    NotStationSocialWorkerError,
)
from civicledger.domains.casework.services import CaseworkService
from tests.casework.conftest import INSPECTOR_ZHOU, NOTES, World, case_in_service, ctx, log_end, open_case


def nothing_written(ledger: Ledger, act: Callable[[], Any], error: type[CivicError], code: str) -> CivicError:
    before = log_end(ledger)
    with pytest.raises(error) as raised:
        act()
    assert raised.value.code == code
    assert log_end(ledger) == before
    return raised.value


def test_a_session_by_someone_outside_the_holding_station_is_forbidden(
        casework: CaseworkService, world: World, casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)

    raised = nothing_written(casework_ledger, lambda: casework.record_casework_session(
        c.RecordCaseworkSession(case_id, "PHONE", 15, NOTES), ctx(world.worker_liang)),
        NotStationSocialWorkerError, "FORBIDDEN")
    nothing_written(casework_ledger, lambda: casework.record_casework_session(
        c.RecordCaseworkSession(case_id, "PHONE", 15, NOTES), ctx(INSPECTOR_ZHOU)), CivicError, "FORBIDDEN")
    assert raised.details["stationId"] == str(world.jianghai)


def test_a_transfer_to_an_unknown_station_is_not_found(casework: CaseworkService, world: World,
                                                       casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)
    nowhere = uuid.uuid4()

    raised = nothing_written(casework_ledger, lambda: casework.transfer_casework_case(
        c.TransferCaseworkCase(case_id, nowhere), ctx(world.worker_he, reason="搬家")),
        CaseworkStationNotFoundError, "NOT_FOUND")
    assert raised.details == {"id": str(nowhere), "field": "toStationId"}


def test_a_closure_without_an_outcome_for_every_goal_is_refused(casework: CaseworkService, world: World,
                                                                casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)

    raised = nothing_written(casework_ledger, lambda: casework.close_casework_case(
        c.CloseCaseworkCase(case_id, "GOALS_MET", (c.GoalOutcomeGiven(2, "ACHIEVED"),)), ctx(world.worker_he)),
        GoalOutcomesIncompleteError, "INVALID_INPUT")
    assert raised.details["missingGoals"] == [1]


@pytest.mark.parametrize("act", ["session", "review", "plan", "transfer", "assign", "close"])
def test_nothing_is_done_to_a_closed_case(casework: CaseworkService, world: World, casework_ledger: Ledger,
                                          act: str) -> None:
    case_id = case_in_service(casework, world)
    casework.close_casework_case(c.CloseCaseworkCase(case_id, "RESIDENT_WITHDREW", (
        c.GoalOutcomeGiven(1, "DISCONTINUED"), c.GoalOutcomeGiven(2, "DISCONTINUED"))), ctx(world.worker_he))
    he = ctx(world.worker_he, reason="搬家")
    acts = {
        "session": lambda: casework.record_casework_session(c.RecordCaseworkSession(case_id, "PHONE", 15, NOTES), he),
        "review": lambda: casework.review_casework_case(c.ReviewCaseworkCase(case_id, (
            c.GoalProgressGiven(1, "ON_TRACK"), c.GoalProgressGiven(2, "ON_TRACK")), "CONTINUE", "进展"), he),
        "plan": lambda: casework.agree_service_plan(c.AgreeServicePlan(case_id, (
            c.PlanGoal("HOUSING", "申请公租房", date(2026, 9, 1)),)), he),
        "transfer": lambda: casework.transfer_casework_case(c.TransferCaseworkCase(case_id, world.shayuan), he),
        "assign": lambda: casework.assign_casework_social_worker(c.AssignCaseworkSocialWorker(
            case_id, world.worker_he.id), he),
        "close": lambda: casework.close_casework_case(c.CloseCaseworkCase(case_id, "GOALS_MET", (
            c.GoalOutcomeGiven(1, "ACHIEVED"), c.GoalOutcomeGiven(2, "ACHIEVED"))), he),
    }

    nothing_written(casework_ledger, acts[act], CaseworkCaseClosedError, "RULE_VIOLATION")


def test_a_district_bound_worker_does_not_take_in_another_districts_resident(
        casework: CaseworkService, world: World, casework_ledger: Ledger) -> None:
    raised = nothing_written(casework_ledger, lambda: open_case(casework, world, resident=world.li_ming),
                             CivicError, "FORBIDDEN")
    assert raised.details["district"] == "TIANHE"


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"service": "KARAOKE"}, "INVALID_INPUT", "service"),
    ({"service": "MEDICAL_SOCIAL_WORK"}, "RULE_VIOLATION", None),  # not run by this station
    ({"presenting_need": "   "}, "INVALID_INPUT", "presentingNeed"),
    ({"presenting_need": "需要帮助\x00"}, "INVALID_INPUT", "presentingNeed"),
    ({"presenting_need": "长" * 2001}, "INVALID_INPUT", "presentingNeed"),
    ({"source": "TELEPATHY"}, "INVALID_INPUT", "source"),
    ({"source": "LINKAGE_REFERRAL"}, "INVALID_INPUT", "referralId"),
    ({"source": "OTHER_PROGRAM"}, "INVALID_INPUT", "sourceProgram"),
    ({"social_worker_id": "sw-unknown"}, "RULE_VIOLATION", None),
    ({"station_id": uuid.UUID(int=7)}, "NOT_FOUND", "stationId"),
])
def test_an_intake_of_the_wrong_shape_writes_nothing(casework: CaseworkService, world: World,
                                                     casework_ledger: Ledger, change: dict[str, Any], code: str,
                                                     field: str | None) -> None:
    values: dict[str, Any] = {"station_id": world.jianghai, "resident_id": world.wang_fang, "service": "ELDER",
                              "presenting_need": "独居", **change}

    raised = nothing_written(casework_ledger, lambda: casework.open_casework_case(c.OpenCaseworkCase(**values),
                                                                                 ctx(world.worker_he)),
                             CivicError, code)
    assert raised.details.get("field") == field


@pytest.mark.parametrize(("change", "field"), [
    ({"minutes": 0}, "minutes"),
    ({"minutes": 481}, "minutes"),
    ({"kind": "SEANCE"}, "kind"),
    ({"notes": ""}, "notes"),
    ({"notes": "记录" * 2001}, "notes"),
    ({"held_on": date(2026, 3, 3)}, "heldOn"),  # tomorrow
    ({"goals_addressed": (9,)}, "goalsAddressed"),
])
def test_a_session_of_the_wrong_shape_writes_nothing(casework: CaseworkService, world: World,
                                                     casework_ledger: Ledger, change: dict[str, Any],
                                                     field: str) -> None:
    case_id = case_in_service(casework, world)
    values: dict[str, Any] = {"case_id": case_id, "kind": "PHONE", "minutes": 20, "notes": NOTES, **change}

    raised = nothing_written(casework_ledger, lambda: casework.record_casework_session(
        c.RecordCaseworkSession(**values), ctx(world.worker_he)), CivicError, "INVALID_INPUT")
    assert raised.details["field"] == field


def test_a_plan_with_a_goal_already_past_or_too_many_goals_writes_nothing(
        casework: CaseworkService, world: World, casework_ledger: Ledger) -> None:
    case_id = open_case(casework, world)
    casework.assess_casework_case(c.AssessCaseworkCase(case_id, "LOW", ("DAILY_LIVING",), "助餐"), ctx(world.worker_he))

    for goals in ((c.PlanGoal("DAILY_LIVING", "助餐", date(2026, 1, 1)),),
                  tuple(c.PlanGoal("DAILY_LIVING", f"目标{n}", date(2026, 6, 1)) for n in range(11)), ()):
        nothing_written(casework_ledger, lambda g=goals: casework.agree_service_plan(  # type: ignore[misc]
            c.AgreeServicePlan(case_id, g), ctx(world.worker_he)), CivicError, "INVALID_INPUT")


def test_a_transfer_says_why(casework: CaseworkService, world: World, casework_ledger: Ledger) -> None:
    case_id = case_in_service(casework, world)

    nothing_written(casework_ledger, lambda: casework.transfer_casework_case(
        c.TransferCaseworkCase(case_id, world.shayuan), ctx(world.worker_he)), CivicError, "INVALID_INPUT")
