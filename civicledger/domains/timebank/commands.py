"""Time-bank commands: imperative, plain data; the service checks every value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class RecordVolunteerService:
    """A volunteer's service, recorded for the organising party (`organiser_office`) to verify."""

    resident_id: UUID
    organiser_office: str
    organiser_name: str
    category: str
    served_on: date
    hours: str
    description: str


@dataclass(frozen=True)
class VerifyVolunteerService:
    record_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RejectVolunteerService:
    record_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RedeemVolunteerHours:
    resident_id: UUID
    hours: str
    service: str
    provider: str
    expected_version: int | None = None


@dataclass(frozen=True)
class TransferVolunteerHours:
    """Hours given to a member of the giver's household (both named in the registry's household)."""

    from_resident_id: UUID
    to_resident_id: UUID
    household_id: UUID
    hours: str
    expected_version: int | None = None
