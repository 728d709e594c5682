"""A linkage task: one piece of the work under a referral, owned by one of the three parties."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import ClassVar
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.linkage.errors import TaskNotOpenError
from civicledger.domains.linkage.taxonomy import PartyType


class TaskStatus(str, Enum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"


class LinkageTask(CivicAggregate):
    """Owned by an organisation (and optionally one of its staff), due on a business date. It belongs to one
    assignment of its referral: if that assignment is declined, the task can no longer be completed (the
    service checks the referral). A completed task never changes. Titles name the work, never the person;
    notes and outcomes are about the resident and sealed under their key."""

    class Event(CivicAggregate.Event):
        personal_data: ClassVar[Mapping[str, str]] = {"note": "field:resident_id", "outcome": "field:resident_id"}

    class Opened(Event, CivicAggregate.Created):
        referral_id: UUID
        assignment: int
        resident_id: UUID
        community_id: UUID
        title: str
        owner_organisation_id: UUID
        owner_party: PartyType
        owner_staff_id: str | None
        due_on: date
        meeting_id: UUID | None
        opened_by: str

    @event(Opened)
    def __init__(self, referral_id: UUID, assignment: int, resident_id: UUID, community_id: UUID, title: str,
                 owner_organisation_id: UUID, owner_party: PartyType, owner_staff_id: str | None, due_on: date,
                 meeting_id: UUID | None, opened_by: str) -> None:
        self.referral_id, self.assignment = referral_id, assignment
        self.resident_id, self.community_id = resident_id, community_id
        self.title = title
        self.owner_organisation_id, self.owner_party, self.owner_staff_id = (
            owner_organisation_id, owner_party, owner_staff_id)
        self.due_on = due_on
        self.status = TaskStatus.OPEN

    def note_progress(self, note: str, by: str) -> None:
        self._check_open()
        self._progress_noted(resident_id=self.resident_id, note=note, noted_by=by)

    @event("ProgressNoted")
    def _progress_noted(self, resident_id: UUID, note: str, noted_by: str) -> None:
        pass

    def complete(self, outcome: str, by: str) -> None:
        self._check_open()
        self._completed(resident_id=self.resident_id, outcome=outcome, completed_by=by)

    @event("Completed")
    def _completed(self, resident_id: UUID, outcome: str, completed_by: str) -> None:
        self.status = TaskStatus.COMPLETED

    def _check_open(self) -> None:
        if self.status is not TaskStatus.OPEN:
            raise TaskNotOpenError(self.id, self.status.value)
