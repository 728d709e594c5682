"""Consultation: only participants state positions and vote, each votes once, votes only during consultation;
the decision follows the tally (adopted only with more votes for than against) and records it."""

from __future__ import annotations

from civicledger.core.eventstore.application import Ledger
from civicledger.domains.deliberation import commands as c
from civicledger.domains.deliberation.errors import (
    AlreadyVotedError,
    DecisionAgainstVoteError,
    NotAParticipantError,
    NotInStageError,
    ParticipantAlreadyAddedError,
)
from civicledger.domains.deliberation.services import DeliberationService
from civicledger.domains.deliberation.values import Stage
from tests.deliberation.conftest import CASEWORKER_LI, World, ctx, item_at, nothing_written


def consulting(service: DeliberationService, w: World) -> object:
    """An item at consultation with three participants: 王芳 (1), 陈杰 (2), the property manager (3)."""
    item = item_at(service, w, Stage.PREPARATION)
    for kind, resident, name in (("REGISTERED_RESIDENT", w.wang_fang, None),
                                 ("NON_REGISTERED_RESIDENT", w.chen_jie, None), ("PROPERTY_MANAGER", None, "物业")):
        service.add_deliberation_participant(c.AddDeliberationParticipant(item, kind, resident, name),
                                             ctx(CASEWORKER_LI))
    service.open_deliberation_consultation(c.OpenDeliberationConsultation(item), ctx(CASEWORKER_LI))
    return item


def vote(service: DeliberationService, item: object, participant: int, choice: str) -> object:
    return service.cast_deliberation_vote(c.CastDeliberationVote(item, participant, choice),  # type: ignore[arg-type]
                                          ctx(CASEWORKER_LI))


def test_each_participant_votes_once_and_the_decision_records_the_tally(
        service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = consulting(service, world)
    vote(service, item, 1, "FOR")
    vote(service, item, 2, "AGAINST")
    vote(service, item, 3, "FOR")

    raised = nothing_written(deliberation_ledger, lambda: vote(service, item, 2, "FOR"), AlreadyVotedError,
                             "CONFLICT")
    assert raised.details["participant"] == 2
    service.decide_agenda_item(c.DecideAgendaItem(item, "ADOPTED", "过半数同意"), ctx(CASEWORKER_LI))  # type: ignore[arg-type]
    found = service.get_item(item)  # type: ignore[arg-type]
    assert found.stage is Stage.DECISION and found.tally() == (2, 1, 0)


def test_a_non_participant_neither_votes_nor_states_a_position(
        service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = consulting(service, world)

    raised = nothing_written(deliberation_ledger, lambda: vote(service, item, 4, "FOR"), NotAParticipantError,
                             "RULE_VIOLATION")
    assert raised.details["participant"] == 4
    nothing_written(deliberation_ledger, lambda: service.state_deliberation_position(
        c.StateDeliberationPosition(item, 9, "SUPPORT", "支持"), ctx(CASEWORKER_LI)),  # type: ignore[arg-type]
        NotAParticipantError, "RULE_VIOLATION")


def test_votes_are_cast_only_during_consultation(service: DeliberationService, world: World,
                                                 deliberation_ledger: Ledger) -> None:
    preparing = item_at(service, world, Stage.PREPARATION)
    service.add_deliberation_participant(c.AddDeliberationParticipant(preparing, "LAWYER", name="律师"),
                                         ctx(CASEWORKER_LI))
    decided = item_at(service, world, Stage.DECISION)

    raised = nothing_written(deliberation_ledger, lambda: vote(service, preparing, 1, "FOR"), NotInStageError,
                             "RULE_VIOLATION")
    assert raised.details == {"itemId": str(preparing), "stage": "PREPARATION", "needed": "CONSULTATION"}
    nothing_written(deliberation_ledger, lambda: vote(service, decided, 1, "FOR"), NotInStageError, "RULE_VIOLATION")


def test_an_item_is_not_adopted_against_the_votes(service: DeliberationService, world: World,
                                                  deliberation_ledger: Ledger) -> None:
    item = consulting(service, world)
    vote(service, item, 1, "FOR")
    vote(service, item, 2, "AGAINST")
    vote(service, item, 3, "ABSTAIN")

    raised = nothing_written(deliberation_ledger, lambda: service.decide_agenda_item(
        c.DecideAgendaItem(item, "ADOPTED", "主任认为可行"), ctx(CASEWORKER_LI)),  # type: ignore[arg-type]
        DecisionAgainstVoteError, "RULE_VIOLATION")
    assert (raised.details["votesFor"], raised.details["votesAgainst"]) == (1, 1)
    service.decide_agenda_item(c.DecideAgendaItem(item, "REJECTED", "票数未过半"), ctx(CASEWORKER_LI))  # type: ignore[arg-type]
    found = service.get_item(item)  # type: ignore[arg-type]
    assert found.concluded and found.stage is Stage.DECISION


def test_a_resident_takes_part_once(service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = item_at(service, world, Stage.PREPARATION)
    service.add_deliberation_participant(c.AddDeliberationParticipant(item, "REGISTERED_RESIDENT", world.wang_fang),
                                         ctx(CASEWORKER_LI))

    nothing_written(deliberation_ledger, lambda: service.add_deliberation_participant(
        c.AddDeliberationParticipant(item, "COMMITTEE_MEMBER", world.wang_fang), ctx(CASEWORKER_LI)),
        ParticipantAlreadyAddedError, "CONFLICT")


def test_a_residents_statement_is_sealed_in_the_log_and_a_professionals_is_not(
        service: DeliberationService, world: World, deliberation_ledger: Ledger) -> None:
    item = consulting(service, world)
    service.state_deliberation_position(c.StateDeliberationPosition(item, 2, "CONDITIONAL", "费用分摊要公开透明"),  # type: ignore[arg-type]
                                        ctx(CASEWORKER_LI))
    service.state_deliberation_position(c.StateDeliberationPosition(item, 3, "SUPPORT", "物业配合施工"),  # type: ignore[arg-type]
                                        ctx(CASEWORKER_LI))

    with deliberation_ledger.datastore.get_connection() as conn:
        stored = [bytes(r["state"]).decode() for r in conn.execute(
            "SELECT state FROM events WHERE originator_id = %s AND topic LIKE %s ORDER BY originator_version",
            (item, "%PositionStated")).fetchall()]
    assert len(stored) == 2
    assert "费用分摊要公开透明" not in stored[0] and str(world.chen_jie.hex) in stored[0]
    assert "物业配合施工" in stored[1]
    assert service.get_item(item).participants[2].resident_id == world.chen_jie  # type: ignore[arg-type]
