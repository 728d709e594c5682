"""Commands of marriage registration: what registrars (caseworkers and supervisors of a district's marriage
office), supervisors, admins, integrators (the online booking platform) or a process ask for.

`office` is a district (`HAIZHU` or `海珠区`): staff act for their own district's office and may leave it out;
admins, integrators and processes name it. Dates of registration are the office's business date (the clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class BookMarriageAppointment:
    party_a: UUID
    party_b: UUID
    kind: str
    on: date
    slot: str
    office: str | None = None


@dataclass(frozen=True)
class CancelMarriageAppointment:
    appointment_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class RegisterMarriage:
    party_a: UUID
    party_b: UUID
    office: str | None = None
    appointment_id: UUID | None = None


@dataclass(frozen=True)
class ApplyForDivorce:
    marriage_id: UUID
    office: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class WithdrawDivorceApplication:
    marriage_id: UUID
    party_id: UUID
    office: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class RegisterDivorce:
    marriage_id: UUID
    office: str | None = None
    appointment_id: UUID | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class CorrectMarriage:
    """A supervisor's correction of a date entered wrongly; the reason (required) is the command's `reason`."""

    marriage_id: UUID
    registered_on: date | None = None
    divorced_on: date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class EndMarriageByDeath:
    """Sent by the process that follows the registry's deaths (`processes/marriage_deaths.py`): the resident's
    live marriage, if any, ends on the date of death the registry records."""

    resident_id: UUID
