"""Expected failures of community deliberation. Each subclasses a core error, so GraphQL answers with that
error's stable code (INVALID_INPUT, NOT_FOUND, FORBIDDEN, RULE_VIOLATION, CONFLICT); the fields say what to fix."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.errors import ConflictError, InvalidInputError, RuleViolationError


class DeliberationValueInvalidError(InvalidInputError):
    """A value outside its allowed set or shape (an unknown kind, a count out of range, too many tasks...)."""

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class StageOrderError(RuleViolationError):
    """The six stages come in order, each once: `requested` is not the stage after `current`."""

    def __init__(self, item_id: UUID, current: str, requested: str, expected: str | None, problem: str) -> None:
        super().__init__(f"{problem}: the item is at {current}, {requested} is not next", itemId=str(item_id),
                         stage=current, requested=requested, expected=expected, problem=problem)


class StageSkippedError(StageOrderError):
    def __init__(self, item_id: UUID, current: str, requested: str, expected: str | None) -> None:
        super().__init__(item_id, current, requested, expected, "stage skipped")


class StageRepeatedError(StageOrderError):
    def __init__(self, item_id: UUID, current: str, requested: str, expected: str | None) -> None:
        super().__init__(item_id, current, requested, expected, "stage repeated")


class NotInStageError(RuleViolationError):
    """The step belongs to another stage (a vote outside consultation, a task outside execution...)."""

    def __init__(self, item_id: UUID, current: str, needed: str) -> None:
        super().__init__(f"only during {needed}; the item is at {current}", itemId=str(item_id), stage=current,
                         needed=needed)


class ItemConcludedError(RuleViolationError):
    """A rejected item concludes at its decision; a supervised one at its report. Neither changes again."""

    def __init__(self, item_id: UUID, stage: str) -> None:
        super().__init__("the item is concluded", itemId=str(item_id), stage=stage)


class NotAParticipantError(RuleViolationError):
    """Only an item's participants state positions and vote."""

    def __init__(self, item_id: UUID, participant: int) -> None:
        super().__init__("not a participant of this item", itemId=str(item_id), participant=participant)


class AlreadyVotedError(ConflictError):
    """One vote per participant."""

    def __init__(self, item_id: UUID, participant: int) -> None:
        super().__init__("this participant has already voted", itemId=str(item_id), participant=participant)


class ParticipantAlreadyAddedError(ConflictError):
    def __init__(self, item_id: UUID, participant: int) -> None:
        super().__init__("this resident already takes part", itemId=str(item_id), participant=participant)


class DecisionAgainstVoteError(RuleViolationError):
    """An item is adopted only when more votes are for it than against it; at least one vote is needed."""

    def __init__(self, item_id: UUID, votes_for: int, votes_against: int) -> None:
        super().__init__("the votes do not carry this decision", itemId=str(item_id), votesFor=votes_for,
                         votesAgainst=votes_against)


class TasksOpenError(RuleViolationError):
    """Supervision reports on an item whose every execution task is done."""

    def __init__(self, item_id: UUID, open_tasks: list[int]) -> None:
        super().__init__("execution tasks are still open", itemId=str(item_id), openTasks=open_tasks)


class TaskAlreadyDoneError(ConflictError):
    def __init__(self, item_id: UUID, task: int) -> None:
        super().__init__("this task is already done", itemId=str(item_id), task=task)
