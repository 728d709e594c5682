"""The agenda item on its own (no database): the stage order, one vote each, the decision following the tally."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from civicledger.domains.deliberation.errors import (
    AlreadyVotedError,
    DecisionAgainstVoteError,
    ItemConcludedError,
    StageRepeatedError,
    StageSkippedError,
)
from civicledger.domains.deliberation.item import AgendaItem
from civicledger.domains.deliberation.values import (
    DecisionOutcome,
    OutcomeCount,
    OutcomeKind,
    ParticipantKind,
    Stage,
    Task,
    VoteChoice,
)

DAY = date(2026, 3, 2)
WANG_FANG = uuid.uuid4()


def a_lift_item() -> AgendaItem:
    return AgendaItem(district="HAIZHU", street="江海街", community="红卫社区", title="3号楼加装电梯",
                      description="七层步梯楼", proposed_on=DAY, proposed_by="cw-li")


def in_consultation() -> AgendaItem:
    item = a_lift_item()
    item.prepare("征求意见", DAY, on=DAY, by="cw-li")
    item.add_participant(ParticipantKind.REGISTERED_RESIDENT, WANG_FANG, None, by="cw-li")
    item.add_participant(ParticipantKind.LAWYER, None, "社区法律顾问", by="cw-li")
    item.open_consultation(on=DAY, by="cw-li")
    return item


def test_consultation_cannot_open_before_preparation() -> None:
    item = a_lift_item()

    with pytest.raises(StageSkippedError) as raised:
        item.open_consultation(on=DAY, by="cw-li")
    assert raised.value.details["expected"] == "PREPARATION"


def test_preparation_happens_once() -> None:
    item = a_lift_item()
    item.prepare("征求意见", DAY, on=DAY, by="cw-li")

    with pytest.raises(StageRepeatedError):
        item.prepare("再次酝酿", DAY, on=DAY, by="cw-li")


def test_a_participant_votes_once() -> None:
    item = in_consultation()
    item.cast_vote(1, VoteChoice.FOR, by="cw-li")

    with pytest.raises(AlreadyVotedError):
        item.cast_vote(1, VoteChoice.AGAINST, by="cw-li")
    assert item.tally() == (1, 0, 0)


def test_a_tie_is_not_adopted() -> None:
    item = in_consultation()
    item.cast_vote(1, VoteChoice.FOR, by="cw-li")
    item.cast_vote(2, VoteChoice.AGAINST, by="cw-li")

    with pytest.raises(DecisionAgainstVoteError):
        item.decide(DecisionOutcome.ADOPTED, "主任决定", on=DAY, by="cw-li")


def test_a_supervised_item_never_changes() -> None:
    item = in_consultation()
    item.cast_vote(1, VoteChoice.FOR, by="cw-li")
    item.decide(DecisionOutcome.ADOPTED, "过半数通过", on=DAY, by="cw-li")
    item.start_execution((Task(1, "施工", "物业", DAY),), on=DAY, by="cw-li")
    item.complete_task(1, "完成", on=DAY, by="cw-li")
    item.supervise("回访满意", (OutcomeCount(OutcomeKind.LIFTS_INSTALLED, 1),), on=DAY, by="cw-li")

    assert (item.stage, item.concluded) == (Stage.SUPERVISION, True)
    with pytest.raises(StageRepeatedError):
        item.supervise("再次监督", (), on=DAY, by="cw-li")
    with pytest.raises(ItemConcludedError):
        item.cast_vote(2, VoteChoice.FOR, by="cw-li")
    assert item.resident_ids() == (WANG_FANG,)
