"""An agenda item (议题) of a community's or village's deliberation, from topic collection to supervision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.deliberation.errors import (
    AlreadyVotedError,
    DecisionAgainstVoteError,
    DeliberationValueInvalidError,
    ItemConcludedError,
    NotAParticipantError,
    NotInStageError,
    ParticipantAlreadyAddedError,
    StageRepeatedError,
    StageSkippedError,
    TaskAlreadyDoneError,
    TasksOpenError,
)
from civicledger.domains.deliberation.values import (
    STAGES,
    DecisionOutcome,
    OutcomeCount,
    Participant,
    ParticipantKind,
    Stage,
    Stance,
    Task,
    VoteChoice,
)


class AgendaItem(CivicAggregate):
    """Moves through the six stages in order, each exactly once: no stage is skipped or repeated. Participants
    join while the item is prepared; during consultation only participants state positions and vote, once each;
    an item is adopted only when more votes are for it than against; a rejected item concludes at its decision,
    an adopted one at its supervision report, once every execution task is done. A concluded item never
    changes. What a resident said (a position's statement) is sealed under that resident's key."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {"statement": "field:resident_id"}

    class Proposed(Event, CivicAggregate.Created):
        district: str
        street: str
        community: str
        title: str
        description: str
        proposed_on: date
        proposed_by: str

    class Prepared(Event):
        plan: str
        meeting_on: date
        prepared_on: date
        prepared_by: str

    class ParticipantAdded(Event):
        participant: Participant
        resident_id: UUID | None
        added_by: str

    class ConsultationOpened(Event):
        opened_on: date
        participants: int
        opened_by: str

    class PositionStated(Event):
        number: int
        participant: int
        resident_id: UUID | None
        stance: Stance
        statement: str | None
        stated_by: str

    class VoteCast(Event):
        participant: int
        resident_id: UUID | None
        choice: VoteChoice
        recorded_by: str

    class Decided(Event):
        outcome: DecisionOutcome
        basis: str
        votes_for: int
        votes_against: int
        abstentions: int
        decided_on: date
        decided_by: str
        resident_ids: tuple[UUID, ...]

    class ExecutionStarted(Event):
        tasks: tuple[Task, ...]
        started_on: date
        started_by: str

    class TaskCompleted(Event):
        number: int
        note: str
        completed_on: date
        completed_by: str

    class Supervised(Event):
        report: str
        outcomes: tuple[OutcomeCount, ...]
        district: str
        street: str
        community: str
        reported_on: date
        reported_by: str
        resident_ids: tuple[UUID, ...]

    @event(Proposed)
    def __init__(self, district: str, street: str, community: str, title: str, description: str, proposed_on: date,
                 proposed_by: str) -> None:
        self.district, self.street, self.community = district, street, community
        self.title = title
        self.stage = Stage.TOPIC_COLLECTION
        self.concluded = False
        self.participants: dict[int, Participant] = {}
        self.positions = 0
        self.votes: dict[int, VoteChoice] = {}
        self.tasks: dict[int, Task] = {}
        self.done: set[int] = set()

    # -- the order of stages --------------------------------------------------------------------------------

    def _check_next(self, to: Stage) -> None:
        expected = None if self.concluded or self.stage.index + 1 == len(STAGES) else STAGES[self.stage.index + 1]
        if to.index <= self.stage.index:
            raise StageRepeatedError(self.id, self.stage.value, to.value, expected and expected.value)
        if to.index > self.stage.index + 1:
            raise StageSkippedError(self.id, self.stage.value, to.value, expected and expected.value)
        if self.concluded:
            raise ItemConcludedError(self.id, self.stage.value)

    def _check_in(self, stage: Stage) -> None:
        if self.concluded:
            raise ItemConcludedError(self.id, self.stage.value)
        if self.stage is not stage:
            raise NotInStageError(self.id, self.stage.value, stage.value)

    def resident_ids(self) -> tuple[UUID, ...]:
        return tuple(dict.fromkeys(p.resident_id for p in self.participants.values() if p.resident_id is not None))

    # -- preparation: the plan and who takes part ----------------------------------------------------------

    def prepare(self, plan: str, meeting_on: date, on: date, by: str) -> None:
        self._check_next(Stage.PREPARATION)
        self._prepared(plan=plan, meeting_on=meeting_on, prepared_on=on, prepared_by=by)

    @event(Prepared)
    def _prepared(self, plan: str, meeting_on: date, prepared_on: date, prepared_by: str) -> None:
        self.stage = Stage.PREPARATION

    def add_participant(self, kind: ParticipantKind, resident_id: UUID | None, name: str | None, by: str) -> int:
        self._check_in(Stage.PREPARATION)
        if resident_id is not None:
            for p in self.participants.values():
                if p.resident_id == resident_id:
                    raise ParticipantAlreadyAddedError(self.id, p.number)
        number = len(self.participants) + 1
        self._participant_added(participant=Participant(number, kind, resident_id, name), resident_id=resident_id,
                                added_by=by)
        return number

    @event(ParticipantAdded)
    def _participant_added(self, participant: Participant, resident_id: UUID | None, added_by: str) -> None:
        self.participants[participant.number] = participant

    # -- consultation: positions and votes -----------------------------------------------------------------

    def open_consultation(self, on: date, by: str) -> None:
        self._check_next(Stage.CONSULTATION)
        if not self.participants:
            raise NotAParticipantError(self.id, 0)
        self._consultation_opened(opened_on=on, participants=len(self.participants), opened_by=by)

    @event(ConsultationOpened)
    def _consultation_opened(self, opened_on: date, participants: int, opened_by: str) -> None:
        self.stage = Stage.CONSULTATION

    def _participant(self, number: int) -> Participant:
        found = self.participants.get(number)
        if found is None:
            raise NotAParticipantError(self.id, number)
        return found

    def state_position(self, participant: int, stance: Stance, statement: str, by: str) -> int:
        self._check_in(Stage.CONSULTATION)
        p = self._participant(participant)
        number = self.positions + 1
        self._position_stated(number=number, participant=p.number, resident_id=p.resident_id, stance=stance,
                              statement=statement, stated_by=by)
        return number

    @event(PositionStated)
    def _position_stated(self, number: int, participant: int, resident_id: UUID | None, stance: Stance,
                         statement: str | None, stated_by: str) -> None:
        self.positions = number

    def cast_vote(self, participant: int, choice: VoteChoice, by: str) -> None:
        self._check_in(Stage.CONSULTATION)
        p = self._participant(participant)
        if p.number in self.votes:
            raise AlreadyVotedError(self.id, p.number)
        self._vote_cast(participant=p.number, resident_id=p.resident_id, choice=choice, recorded_by=by)

    @event(VoteCast)
    def _vote_cast(self, participant: int, resident_id: UUID | None, choice: VoteChoice, recorded_by: str) -> None:
        self.votes[participant] = choice

    def tally(self) -> tuple[int, int, int]:
        choices = list(self.votes.values())
        return (choices.count(VoteChoice.FOR), choices.count(VoteChoice.AGAINST), choices.count(VoteChoice.ABSTAIN))

    # -- decision ------------------------------------------------------------------------------------------

    def decide(self, outcome: DecisionOutcome, basis: str, on: date, by: str) -> None:
        self._check_next(Stage.DECISION)
        votes_for, against, abstain = self.tally()
        if outcome is DecisionOutcome.ADOPTED and votes_for <= against:
            raise DecisionAgainstVoteError(self.id, votes_for, against)
        self._decided(outcome=outcome, basis=basis, votes_for=votes_for, votes_against=against, abstentions=abstain,
                      decided_on=on, decided_by=by, resident_ids=self.resident_ids())

    @event(Decided)
    def _decided(self, outcome: DecisionOutcome, basis: str, votes_for: int, votes_against: int, abstentions: int,
                 decided_on: date, decided_by: str, resident_ids: tuple[UUID, ...]) -> None:
        self.stage = Stage.DECISION
        self.concluded = outcome is DecisionOutcome.REJECTED

    # -- execution -----------------------------------------------------------------------------------------

    def start_execution(self, tasks: tuple[Task, ...], on: date, by: str) -> None:
        self._check_next(Stage.EXECUTION)
        self._execution_started(tasks=tasks, started_on=on, started_by=by)

    @event(ExecutionStarted)
    def _execution_started(self, tasks: tuple[Task, ...], started_on: date, started_by: str) -> None:
        self.stage = Stage.EXECUTION
        self.tasks = {t.number: t for t in tasks}

    def complete_task(self, number: int, note: str, on: date, by: str) -> None:
        self._check_in(Stage.EXECUTION)
        if number not in self.tasks:
            raise DeliberationValueInvalidError("taskNumber", "no such task", value=number,
                                                tasks=sorted(self.tasks))
        if number in self.done:
            raise TaskAlreadyDoneError(self.id, number)
        self._task_completed(number=number, note=note, completed_on=on, completed_by=by)

    @event(TaskCompleted)
    def _task_completed(self, number: int, note: str, completed_on: date, completed_by: str) -> None:
        self.done.add(number)

    # -- supervision ---------------------------------------------------------------------------------------

    def supervise(self, report: str, outcomes: tuple[OutcomeCount, ...], on: date, by: str) -> None:
        self._check_next(Stage.SUPERVISION)
        still_open = sorted(set(self.tasks) - self.done)
        if still_open:
            raise TasksOpenError(self.id, still_open)
        self._supervised(report=report, outcomes=outcomes, district=self.district, street=self.street,
                         community=self.community, reported_on=on, reported_by=by, resident_ids=self.resident_ids())

    @event(Supervised)
    def _supervised(self, report: str, outcomes: tuple[OutcomeCount, ...], district: str, street: str,
                    community: str, reported_on: date, reported_by: str, resident_ids: tuple[UUID, ...]) -> None:
        self.stage = Stage.SUPERVISION
        self.concluded = True
