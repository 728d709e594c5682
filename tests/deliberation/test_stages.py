"""The six stages in order, each once: every skip and every repeat is refused with a typed error and writes
nothing; the order itself goes through; a rejected item concludes at its decision."""

from __future__ import annotations

import pytest

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.errors import (
    ItemConcludedError,
    StageRepeatedError,
    StageSkippedError,
    TasksOpenError,
)
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.deliberation.values import STAGES, Stage
from tests.deliberation.conftest import (
    CASEWORKER_LI,
    STAGE_COMMANDS,
    World,
    ctx,
    item_at,
    nothing_written,
    propose,
    send,
)

OUT_OF_ORDER = [(at, to) for at in STAGES for to in STAGES[1:] if to.index != at.index + 1]


def test_an_item_goes_through_the_six_stages_in_order(service: DeliberationService, world: World) -> None:
    item = item_at(service, world, Stage.SUPERVISION)

    found = service.get_item(item)
    assert found.stage is Stage.SUPERVISION and found.concluded
    assert found.tally() == (2, 0, 0)


@pytest.mark.parametrize(("at", "to"), OUT_OF_ORDER, ids=[f"{a.value}->{t.value}" for a, t in OUT_OF_ORDER])
def test_a_stage_out_of_order_is_refused_and_writes_nothing(
        service: DeliberationService, world: World, deliberation_ledger: Ledger, at: Stage, to: Stage) -> None:
    item = item_at(service, world, at)
    error = StageRepeatedError if to.index <= at.index else StageSkippedError

    raised = nothing_written(deliberation_ledger, lambda: send(service, STAGE_COMMANDS[to](item)), error,
                             "RULE_VIOLATION")
    assert raised.details["stage"] == at.value and raised.details["requested"] == to.value
    assert raised.details["expected"] == (STAGES[at.index + 1].value if at is not Stage.SUPERVISION else None)
    assert service.get_item(item).stage is at


def test_a_rejected_item_concludes_at_its_decision(service: DeliberationService, world: World,
                                                   deliberation_ledger: Ledger) -> None:
    item = item_at(service, world, Stage.PREPARATION)
    service.add_deliberation_participant(c.AddDeliberationParticipant(item, "LAWYER", name="社区法律顾问"),
                                         ctx(CASEWORKER_LI))
    service.open_deliberation_consultation(c.OpenDeliberationConsultation(item), ctx(CASEWORKER_LI))
    service.cast_deliberation_vote(c.CastDeliberationVote(item, 1, "AGAINST"), ctx(CASEWORKER_LI))
    service.decide_agenda_item(c.DecideAgendaItem(item, "REJECTED", "表决未通过"), ctx(CASEWORKER_LI))

    nothing_written(deliberation_ledger, lambda: send(service, STAGE_COMMANDS[Stage.EXECUTION](item)),
                    ItemConcludedError, "RULE_VIOLATION")
    assert service.get_item(item).concluded


def test_supervision_waits_for_every_task(service: DeliberationService, world: World,
                                          deliberation_ledger: Ledger) -> None:
    item = item_at(service, world, Stage.EXECUTION)

    raised = nothing_written(deliberation_ledger, lambda: send(service, STAGE_COMMANDS[Stage.SUPERVISION](item)),
                             TasksOpenError, "RULE_VIOLATION")
    assert raised.details["openTasks"] == [1]


def test_a_new_item_starts_at_topic_collection(service: DeliberationService, world: World) -> None:
    item = propose(service, world)

    assert service.get_item(item).stage is Stage.TOPIC_COLLECTION
    send(service, STAGE_COMMANDS[Stage.PREPARATION](item))
    assert service.get_item(item).stage is Stage.PREPARATION
