"""What marriage mutations take: each input turns itself into its command (`to_command()`: global ids to
stream ids, enums to values). `office` is a district code (HAIZHU) or name (海珠区): staff may leave it out (their
own office); admins and integrators name it."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.marriage import commands as c
from civicledger.graphql.marriage.types import AppointmentKindEnum
from civicledger.graphql.relay import uuid_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."
OFFICE = "The acting office: a district code or name; staff: their own (the default)."
REASON = "Why (at most 2,000 characters)."
VERSION = "The marriage's version you read; a stale one is CONFLICT."


@strawberry.input(name="BookMarriageAppointmentInput", description="A weekday within 90 days, a half-hour slot "
                                                                   "09:00–11:30 or 14:00–16:30.")
class BookMarriageAppointmentInput:
    party_a: strawberry.ID = strawberry.field(description="A Resident's global id.")
    party_b: strawberry.ID = strawberry.field(description="The other Resident's global id.")
    kind: AppointmentKindEnum = strawberry.field(description="What the couple comes for.")
    on: date = strawberry.field(description="A weekday, today to 90 days ahead.")
    slot: str = strawberry.field(description="HH:MM, e.g. 09:30.")
    office: str | None = strawberry.field(default=None, description=OFFICE)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.BookMarriageAppointment:
        return c.BookMarriageAppointment(uuid_of(self.party_a, "Resident"), uuid_of(self.party_b, "Resident"),
                                         self.kind.value, self.on, self.slot, self.office)


@strawberry.input(name="CancelMarriageAppointmentInput", description="Staff of the appointment's office, admins "
                                                                     "or integrators; a reason is required.")
class CancelMarriageAppointmentInput:
    appointment_id: strawberry.ID = strawberry.field(description="A MarriageAppointment's global id.")
    reason: str = strawberry.field(description=REASON)
    expected_version: int | None = strawberry.field(default=None, description="The appointment's version you read.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CancelMarriageAppointment:
        return c.CancelMarriageAppointment(uuid_of(self.appointment_id, "MarriageAppointment"), self.expected_version)


@strawberry.input(name="RegisterMarriageInput", description="A man of 22 and a woman of 20 or over, in the "
                                                            "registry, neither with a live marriage.")
class RegisterMarriageInput:
    party_a: strawberry.ID = strawberry.field(description="A Resident's global id (either party).")
    party_b: strawberry.ID = strawberry.field(description="The other Resident's global id.")
    office: str | None = strawberry.field(default=None, description=OFFICE)
    appointment_id: strawberry.ID | None = strawberry.field(default=None, description="The couple's booked "
                                                                                      "MarriageAppointment, if any.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RegisterMarriage:
        return c.RegisterMarriage(
            uuid_of(self.party_a, "Resident"), uuid_of(self.party_b, "Resident"), self.office,
            uuid_of(self.appointment_id, "MarriageAppointment") if self.appointment_id else None)


@strawberry.input(name="ApplyForDivorceInput", description="Both parties apply; the 30-day cooling-off period "
                                                           "starts the next day.")
class ApplyForDivorceInput:
    marriage_id: strawberry.ID = strawberry.field(description="A Marriage's global id.")
    office: str | None = strawberry.field(default=None, description=OFFICE)
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.ApplyForDivorce:
        return c.ApplyForDivorce(uuid_of(self.marriage_id, "Marriage"), self.office, self.expected_version)


@strawberry.input(name="WithdrawDivorceApplicationInput", description="Either party, during the cooling-off "
                                                                      "period.")
class WithdrawDivorceApplicationInput:
    marriage_id: strawberry.ID = strawberry.field(description="A Marriage's global id.")
    party_id: strawberry.ID = strawberry.field(description="The withdrawing party's Resident global id.")
    office: str | None = strawberry.field(default=None, description=OFFICE)
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.WithdrawDivorceApplication:
        return c.WithdrawDivorceApplication(uuid_of(self.marriage_id, "Marriage"), uuid_of(self.party_id, "Resident"),
                                            self.office, self.expected_version)


@strawberry.input(name="RegisterDivorceInput", description="From the day after the cooling-off period to 30 days "
                                                           "after it.")
class RegisterDivorceInput:
    marriage_id: strawberry.ID = strawberry.field(description="A Marriage's global id.")
    office: str | None = strawberry.field(default=None, description=OFFICE)
    appointment_id: strawberry.ID | None = strawberry.field(default=None, description="A DIVORCE_REGISTRATION "
                                                                                      "appointment, if any.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RegisterDivorce:
        return c.RegisterDivorce(
            uuid_of(self.marriage_id, "Marriage"), self.office,
            uuid_of(self.appointment_id, "MarriageAppointment") if self.appointment_id else None,
            self.expected_version)


@strawberry.input(name="CorrectMarriageInput", description="Supervisors of the registering office's district, or "
                                                           "admins; a reason is required.")
class CorrectMarriageInput:
    marriage_id: strawberry.ID = strawberry.field(description="A Marriage's global id.")
    reason: str = strawberry.field(description=REASON)
    registered_on: date | None = strawberry.field(default=None, description="The corrected registration date.")
    divorced_on: date | None = strawberry.field(default=None, description="The corrected divorce date.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CorrectMarriage:
        return c.CorrectMarriage(uuid_of(self.marriage_id, "Marriage"), self.registered_on, self.divorced_on,
                                 self.expected_version)
