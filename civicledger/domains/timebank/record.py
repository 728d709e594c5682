"""A volunteer's service record: recorded for the organising party, then verified (hours banked) or rejected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from civicledger.core.aggregate import CivicAggregate
from civicledger.domains.timebank.errors import (
    NotTheOrganiserError,
    OwnRecordError,
    ServiceRecordNotPendingError,
    ServiceRecordNotVerifiedError,
)
from civicledger.domains.timebank.rules import RecordStatus, ServiceCategory


class ServiceRecord(CivicAggregate):
    """Hours count only once the organising party (the office named on the record) has verified them; a record
    is verified or rejected once and never changes after."""

    class Recorded(CivicAggregate.Created):
        resident_id: UUID
        district: str
        organiser_office: str
        organiser_name: str
        category: ServiceCategory
        served_on: date
        hours: Decimal
        description: str
        recorded_by: str

    class Verified(CivicAggregate.Event):
        resident_id: UUID
        hours: Decimal
        verified_by: str

    class Rejected(CivicAggregate.Event):
        resident_id: UUID
        rejected_by: str

    @event(Recorded)
    def __init__(self, resident_id: UUID, district: str, organiser_office: str, organiser_name: str,
                 category: ServiceCategory, served_on: date, hours: Decimal, description: str,
                 recorded_by: str) -> None:
        self.resident_id = resident_id
        self.district = district
        self.organiser_office = organiser_office
        self.organiser_name = organiser_name
        self.category = category
        self.served_on = served_on
        self.hours = hours
        self.description = description
        self.recorded_by = recorded_by
        self.status = RecordStatus.PENDING

    def check_organiser(self, office: str | None) -> None:
        if office != self.organiser_office:
            raise NotTheOrganiserError(self.id, self.organiser_office)

    def check_not_recorded_by(self, actor_id: str) -> None:
        if actor_id == self.recorded_by:
            raise OwnRecordError(self.id)

    def check_verified(self) -> None:
        if self.status is not RecordStatus.VERIFIED:
            raise ServiceRecordNotVerifiedError(self.id, self.status.value)

    def verify(self, by: str) -> None:
        if self.status is not RecordStatus.PENDING:
            raise ServiceRecordNotPendingError(self.id, self.status.value)
        self._verified(resident_id=self.resident_id, hours=self.hours, verified_by=by)

    @event(Verified)
    def _verified(self, resident_id: UUID, hours: Decimal, verified_by: str) -> None:
        self.status = RecordStatus.VERIFIED

    def reject(self, by: str) -> None:
        if self.status is not RecordStatus.PENDING:
            raise ServiceRecordNotPendingError(self.id, self.status.value)
        self._rejected(resident_id=self.resident_id, rejected_by=by)

    @event(Rejected)
    def _rejected(self, resident_id: UUID, rejected_by: str) -> None:
        self.status = RecordStatus.REJECTED
