"""Commands of the resident registry: what a caseworker or an integrator asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class RegisterResident:
    name: str
    id_number: str
    district: str
    street: str
    community: str
    residency: str = "REGISTERED"
    phone: str | None = None


@dataclass(frozen=True)
class CorrectResidentDetails:
    resident_id: UUID
    expected_version: int | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    residency: str | None = None


@dataclass(frozen=True)
class ChangeAddress:
    resident_id: UUID
    district: str
    street: str
    community: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordDeath:
    resident_id: UUID
    date_of_death: date
    expected_version: int | None = None


@dataclass(frozen=True)
class EstablishHousehold:
    head_id: UUID


@dataclass(frozen=True)
class AddHouseholdMember:
    household_id: UUID
    resident_id: UUID
    relationship: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveHouseholdMember:
    household_id: UUID
    resident_id: UUID
    new_head_id: UUID | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class EraseResident:
    resident_id: UUID
    request_reference: str
