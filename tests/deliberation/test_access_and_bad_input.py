"""Who may act: the staff (caseworkers, supervisors) of the item's district and integrators; another district's
staff, inspectors and admins are refused; a resident of another district is not linked by a district-bound
caller. And bad input — empty, huge, NUL, unknown kinds, out-of-range counts and dates — is a typed error that
writes nothing (the log's end is the same before and after)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from civicledger.core.errors import CivicError, ForbiddenError, NotFoundError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.guangzhou import UnknownStreetError
from civicledger.core.metadata import Actor
from civicledger.core.text import TextInvalidError
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.errors import DeliberationValueInvalidError
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.deliberation.values import Stage
from tests.deliberation.conftest import (
    ADMIN_WANG,
    CASEWORKER_LI,
    CASEWORKER_ZHANG,
    INSPECTOR_ZHOU,
    INTEGRATOR,
    LIFT,
    LIFT_NEED,
    NEXT_WEEK,
    SUPERVISOR_CHEN,
    TODAY,
    World,
    ctx,
    item_at,
    nothing_written,
    propose,
)

# -- authorization ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [CASEWORKER_ZHANG, INSPECTOR_ZHOU, ADMIN_WANG], ids=lambda a: a.role + "-" + a.id)
def test_only_the_districts_staff_propose_an_item(service: DeliberationService, world: World,
                                                  deliberation_ledger: Ledger, actor: Actor) -> None:
    nothing_written(deliberation_ledger, lambda: propose(service, world, by=actor), ForbiddenError, "FORBIDDEN")


@pytest.mark.parametrize("actor", [CASEWORKER_LI, SUPERVISOR_CHEN, INTEGRATOR], ids=lambda a: a.role)
def test_the_districts_caseworkers_and_supervisors_and_integrators_take_an_item_through(
        service: DeliberationService, world: World, actor: Actor) -> None:
    item = item_at(service, world, Stage.SUPERVISION, by=actor)

    assert service.get_item(item).concluded


@pytest.mark.parametrize("stage", list(Stage)[1:], ids=lambda s: s.value)
def test_another_districts_caseworker_takes_no_stage(service: DeliberationService, world: World,
                                                     deliberation_ledger: Ledger, stage: Stage) -> None:
    from tests.deliberation.conftest import STAGE_COMMANDS, send

    item = item_at(service, world, Stage(list(Stage)[stage.index - 1]))

    raised = nothing_written(deliberation_ledger, lambda: send(service, STAGE_COMMANDS[stage](item),
                                                               by=CASEWORKER_ZHANG), ForbiddenError, "FORBIDDEN")
    assert raised.details["district"] == "HAIZHU"


def test_another_districts_caseworker_neither_adds_participants_nor_votes(
        service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = item_at(service, world, Stage.CONSULTATION)

    nothing_written(deliberation_ledger, lambda: service.cast_deliberation_vote(
        c.CastDeliberationVote(item, 1, "FOR"), ctx(CASEWORKER_ZHANG)), ForbiddenError, "FORBIDDEN")
    nothing_written(deliberation_ledger, lambda: service.state_deliberation_position(
        c.StateDeliberationPosition(item, 1, "SUPPORT", "支持"), ctx(INSPECTOR_ZHOU)), ForbiddenError, "FORBIDDEN")


def test_a_resident_of_another_district_is_not_linked_by_a_district_bound_caller(
        service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = item_at(service, world, Stage.PREPARATION)

    raised = nothing_written(deliberation_ledger, lambda: service.add_deliberation_participant(
        c.AddDeliberationParticipant(item, "NON_REGISTERED_RESIDENT", world.li_ming), ctx(CASEWORKER_LI)),
        ForbiddenError, "FORBIDDEN")
    assert raised.details["district"] == "TIANHE"


def test_an_unknown_item_or_resident_is_not_found(service: DeliberationService, world: World,
                                                  deliberation_ledger: Ledger) -> None:
    import uuid

    item = item_at(service, world, Stage.PREPARATION)

    nothing_written(deliberation_ledger, lambda: service.prepare_agenda_item(
        c.PrepareAgendaItem(uuid.uuid4(), "方案", NEXT_WEEK), ctx(CASEWORKER_LI)), NotFoundError, "NOT_FOUND")
    nothing_written(deliberation_ledger, lambda: service.add_deliberation_participant(
        c.AddDeliberationParticipant(item, "REGISTERED_RESIDENT", uuid.uuid4()), ctx(CASEWORKER_LI)),
        NotFoundError, "NOT_FOUND")


# -- bad input ---------------------------------------------------------------------------------------------------

HUGE = "议" * 2001


def proposing(**changes: Any) -> Callable[[DeliberationService, World], Any]:
    def act(service: DeliberationService, w: World) -> Any:
        fields = {"district": "HAIZHU", "street": "江海街", "community": w.community, "title": LIFT,
                  "description": LIFT_NEED, **changes}
        return service.propose_agenda_item(c.ProposeAgendaItem(**fields), ctx(CASEWORKER_LI))
    return act


PROPOSALS = {
    "empty title": (proposing(title="   "), TextInvalidError),
    "huge title": (proposing(title="电" * 201), TextInvalidError),
    "NUL in the title": (proposing(title="加装\x00电梯"), TextInvalidError),
    "NUL in the description": (proposing(description="加装\x00电梯"), TextInvalidError),
    "huge description": (proposing(description=HUGE), TextInvalidError),
    "empty community": (proposing(community=""), TextInvalidError),
    "unknown street": (proposing(street="不存在街"), UnknownStreetError),
    "unknown district": (proposing(district="ATLANTIS"), CivicError),
}


@pytest.mark.parametrize("case", list(PROPOSALS), ids=list(PROPOSALS))
def test_a_bad_proposal_is_refused_and_writes_nothing(service: DeliberationService, world: World,
                                                      deliberation_ledger: Ledger, case: str) -> None:
    act, error = PROPOSALS[case]

    nothing_written(deliberation_ledger, lambda: act(service, world), error, "INVALID_INPUT")


def at_preparation(make: Callable[[Any, World], object]) -> Callable[[DeliberationService, World], Any]:
    def act(service: DeliberationService, w: World) -> Any:
        from tests.deliberation.conftest import send

        item = item_at(service, w, Stage.TOPIC_COLLECTION)
        command = make(item, w)
        if isinstance(command, c.PrepareAgendaItem):
            return lambda: send(service, command)
        send(service, c.PrepareAgendaItem(item, "方案", NEXT_WEEK))
        if isinstance(command, c.AddDeliberationParticipant):
            return lambda: service.add_deliberation_participant(command, ctx(CASEWORKER_LI))
        service.add_deliberation_participant(c.AddDeliberationParticipant(item, "LAWYER", name="律师"),
                                             ctx(CASEWORKER_LI))
        service.open_deliberation_consultation(c.OpenDeliberationConsultation(item), ctx(CASEWORKER_LI))
        if isinstance(command, c.StateDeliberationPosition):
            return lambda: service.state_deliberation_position(command, ctx(CASEWORKER_LI))
        if isinstance(command, c.CastDeliberationVote):
            return lambda: service.cast_deliberation_vote(command, ctx(CASEWORKER_LI))
        service.cast_deliberation_vote(c.CastDeliberationVote(item, 1, "FOR"), ctx(CASEWORKER_LI))
        if isinstance(command, c.DecideAgendaItem):
            return lambda: service.decide_agenda_item(command, ctx(CASEWORKER_LI))
        service.decide_agenda_item(c.DecideAgendaItem(item, "ADOPTED", "通过"), ctx(CASEWORKER_LI))
        if isinstance(command, c.StartDeliberationExecution):
            return lambda: service.start_deliberation_execution(command, ctx(CASEWORKER_LI))
        service.start_deliberation_execution(c.StartDeliberationExecution(
            item, (c.TaskGiven("施工", "物业", NEXT_WEEK),)), ctx(CASEWORKER_LI))
        if isinstance(command, c.CompleteDeliberationTask):
            return lambda: service.complete_deliberation_task(command, ctx(CASEWORKER_LI))
        service.complete_deliberation_task(c.CompleteDeliberationTask(item, 1, "完成"), ctx(CASEWORKER_LI))
        return lambda: service.report_deliberation_supervision(command, ctx(CASEWORKER_LI))  # type: ignore[arg-type]
    return act


TASK = c.TaskGiven("施工", "物业", NEXT_WEEK)
STEPS = {
    "NUL in the plan": lambda i, w: c.PrepareAgendaItem(i, "方案\x00", NEXT_WEEK),
    "a meeting years away": lambda i, w: c.PrepareAgendaItem(i, "方案", TODAY + timedelta(days=900)),
    "an unknown participant kind": lambda i, w: c.AddDeliberationParticipant(i, "MAYOR", name="市长"),
    "a resident without a resident id": lambda i, w: c.AddDeliberationParticipant(i, "REGISTERED_RESIDENT",
                                                                                   name="王芳"),
    "a resident id with a name": lambda i, w: c.AddDeliberationParticipant(i, "REGISTERED_RESIDENT", w.wang_fang,
                                                                            "王芳"),
    "a lawyer without a name": lambda i, w: c.AddDeliberationParticipant(i, "LAWYER"),
    "a huge name": lambda i, w: c.AddDeliberationParticipant(i, "LAWYER", name="律" * 121),
    "an empty statement": lambda i, w: c.StateDeliberationPosition(i, 1, "SUPPORT", " "),
    "a huge statement": lambda i, w: c.StateDeliberationPosition(i, 1, "SUPPORT", HUGE),
    "NUL in a statement": lambda i, w: c.StateDeliberationPosition(i, 1, "SUPPORT", "支持\x00"),
    "an unknown stance": lambda i, w: c.StateDeliberationPosition(i, 1, "MAYBE", "支持"),
    "an unknown vote": lambda i, w: c.CastDeliberationVote(i, 1, "YES"),
    "participant zero": lambda i, w: c.CastDeliberationVote(i, 0, "FOR"),
    "a full-width vote": lambda i, w: c.CastDeliberationVote(i, 1, "ＦＯＲ"),
    "an empty basis": lambda i, w: c.DecideAgendaItem(i, "ADOPTED", ""),
    "an unknown outcome": lambda i, w: c.DecideAgendaItem(i, "POSTPONED", "延期"),
    "no tasks": lambda i, w: c.StartDeliberationExecution(i, ()),
    "21 tasks": lambda i, w: c.StartDeliberationExecution(i, (TASK,) * 21),
    "a task due yesterday": lambda i, w: c.StartDeliberationExecution(i, (c.TaskGiven("施工", "物业",
                                                                                      TODAY - timedelta(days=1)),)),
    "NUL in a task's title": lambda i, w: c.StartDeliberationExecution(i, (c.TaskGiven("施\x00工", "物业", NEXT_WEEK),)),
    "an unknown task": lambda i, w: c.CompleteDeliberationTask(i, 2, "完成"),
    "a huge note": lambda i, w: c.CompleteDeliberationTask(i, 1, HUGE),
    "an empty report": lambda i, w: c.ReportDeliberationSupervision(i, "", ()),
    "a zero count": lambda i, w: c.ReportDeliberationSupervision(i, "回访", (c.OutcomeGiven("LIFTS_INSTALLED", 0),)),
    "a huge count": lambda i, w: c.ReportDeliberationSupervision(i, "回访", (c.OutcomeGiven("LIFTS_INSTALLED",
                                                                                           10**9),)),
    "a kind twice": lambda i, w: c.ReportDeliberationSupervision(i, "回访", (c.OutcomeGiven("LIFTS_INSTALLED", 1),
                                                                           c.OutcomeGiven("LIFTS_INSTALLED", 2))),
    "an unknown kind": lambda i, w: c.ReportDeliberationSupervision(i, "回访", (c.OutcomeGiven("PARKS", 1),)),
}


@pytest.mark.parametrize("case", list(STEPS), ids=list(STEPS))
def test_bad_input_at_every_stage_is_refused_and_writes_nothing(service: DeliberationService, world: World,
                                                                deliberation_ledger: Ledger, case: str) -> None:
    act = at_preparation(STEPS[case])(service, world)

    raised = nothing_written(deliberation_ledger, act, CivicError, "INVALID_INPUT")
    assert isinstance(raised, (TextInvalidError, DeliberationValueInvalidError))
