"""An appointment at a district marriage office: a couple, a date and a half-hour slot, to register a marriage
or to apply for / register a divorce. Booked, then attended (by the registration that used it) or cancelled."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.marriage.errors import AppointmentMismatchError, AppointmentStatusError


class AppointmentKind(str, Enum):
    MARRIAGE = "MARRIAGE"
    DIVORCE_APPLICATION = "DIVORCE_APPLICATION"
    DIVORCE_REGISTRATION = "DIVORCE_REGISTRATION"


class AppointmentStatus(str, Enum):
    BOOKED = "BOOKED"
    ATTENDED = "ATTENDED"
    CANCELLED = "CANCELLED"


class MarriageAppointment(CivicAggregate):
    """Only a booked appointment is attended or cancelled; it is used by a registration of its own kind, office,
    date and couple."""

    class Booked(CivicAggregate.Created):
        office: str
        kind: AppointmentKind
        on: date
        slot: str
        party_ids: tuple[UUID, ...]

    @event(Booked)
    def __init__(self, office: str, kind: AppointmentKind, on: date, slot: str, party_ids: tuple[UUID, ...]) -> None:
        self.office = office
        self.kind = kind
        self.on = on
        self.slot = slot
        self.party_ids = tuple(party_ids)
        self.status = AppointmentStatus.BOOKED

    def _check_booked(self, action: str) -> None:
        if self.status is not AppointmentStatus.BOOKED:
            raise AppointmentStatusError(self.id, self.status.value, action)

    def cancel(self, reason: str) -> None:
        self._check_booked("cancel")
        self._cancelled(reason=reason)

    class Cancelled(CivicAggregate.Event):
        reason: str

    @event(Cancelled)
    def _cancelled(self, reason: str) -> None:
        self.status = AppointmentStatus.CANCELLED

    def attend(self, kind: AppointmentKind, office: str, on: date, parties: set[UUID], registration_id: UUID) -> None:
        self._check_booked("use")
        if kind is not self.kind:
            raise AppointmentMismatchError(self.id, f"it is for {self.kind.value}")
        if office != self.office or on != self.on:
            raise AppointmentMismatchError(self.id, f"it is at {self.office} on {self.on.isoformat()}")
        if set(self.party_ids) != parties:
            raise AppointmentMismatchError(self.id, "it was booked for another couple")
        self._attended(registration_id=registration_id)

    class Attended(CivicAggregate.Event):
        registration_id: UUID

    @event(Attended)
    def _attended(self, registration_id: UUID) -> None:
        self.status = AppointmentStatus.ATTENDED
