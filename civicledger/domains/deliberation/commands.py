"""Commands of community deliberation: what a caller asks for, before any checks (raw values: the service cleans
and validates them). One command per stage, and the steps within consultation and execution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class ProposeAgendaItem:
    """Topic collection (议题收集): a community's item is put on its agenda."""

    district: str
    street: str
    community: str
    title: str
    description: str


@dataclass(frozen=True)
class PrepareAgendaItem:
    """Preparation (酝酿): the draft plan and the day of the consultation meeting."""

    item_id: UUID
    plan: str
    meeting_on: date
    expected_version: int | None = None


@dataclass(frozen=True)
class AddDeliberationParticipant:
    """During preparation: a resident (by resident id) or another party (by the name the minutes give)."""

    item_id: UUID
    kind: str
    resident_id: UUID | None = None
    name: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class OpenDeliberationConsultation:
    """Consultation (协商) opens: from now on participants state positions and vote."""

    item_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class StateDeliberationPosition:
    item_id: UUID
    participant: int
    stance: str
    statement: str
    expected_version: int | None = None


@dataclass(frozen=True)
class CastDeliberationVote:
    item_id: UUID
    participant: int
    choice: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DecideAgendaItem:
    """Decision (决策): adopted or rejected, with its basis."""

    item_id: UUID
    outcome: str
    basis: str
    expected_version: int | None = None


@dataclass(frozen=True)
class TaskGiven:
    title: str
    assignee: str
    due_on: date


@dataclass(frozen=True)
class StartDeliberationExecution:
    """Execution (执行): the tasks that carry the decision out."""

    item_id: UUID
    tasks: tuple[TaskGiven, ...]
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteDeliberationTask:
    item_id: UUID
    task: int
    note: str
    expected_version: int | None = None


@dataclass(frozen=True)
class OutcomeGiven:
    kind: str
    count: int


@dataclass(frozen=True)
class ReportDeliberationSupervision:
    """Supervision (监督): the report on what was done, and what it achieved, counted by kind."""

    item_id: UUID
    report: str
    outcomes: tuple[OutcomeGiven, ...] = ()
    expected_version: int | None = None
