"""What time-bank queries filter by and mutations take: each mutation input turns itself into its command
(`to_command()`: global ids to stream ids, enums to values); hours as decimal strings, checked by the service."""

from __future__ import annotations

from datetime import date

import strawberry

from civicledger.domains.timebank import commands as c
from civicledger.graphql.relay import uuid_of
from civicledger.graphql.timebank.types import RecordStatusEnum, ServiceCategoryEnum

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."
VERSION = "Optional: the stream's version you read; a stale one is CONFLICT and writes nothing."
HOURS = "Hours as a decimal string in quarter hours (e.g. \"2.5\")"


@strawberry.input(name="VolunteerServiceRecordFilter", description="Any combination; none: every record.")
class ServiceRecordFilter:
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="The volunteer's resident id.")
    organiser_office: str | None = strawberry.field(default=None, description="The organising party's office "
                                                                              "code (at most 80).")
    status: RecordStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only records in this status.")
    district: str | None = strawberry.field(default=None, description="The volunteer's district code or name.")


@strawberry.input(name="RecordVolunteerServiceInput", description="Staff of the volunteer's district, "
                                                                  "integrators and admins.")
class RecordVolunteerServiceInput:
    resident_id: strawberry.ID = strawberry.field(description="The volunteer's resident id.")
    organiser_office: str = strawberry.field(description="The organising party's office code: its principals "
                                                         "verify the hours (at most 80).")
    organiser_name: str = strawberry.field(description="The organising party's name (at most 120).")
    category: ServiceCategoryEnum = strawberry.field(description="The kind of service.")  # type: ignore[valid-type]
    served_on: date = strawberry.field(description="The day of service; not in the future.")
    hours: str = strawberry.field(description=f"{HOURS}, more than 0 and at most 12.")
    description: str = strawberry.field(description="What was done (at most 500 characters).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordVolunteerService:
        return c.RecordVolunteerService(uuid_of(self.resident_id, "Resident"), self.organiser_office,
                                        self.organiser_name, self.category.value, self.served_on, self.hours,
                                        self.description)


@strawberry.input(name="DecideVolunteerServiceInput", description="The organising party only; rejecting needs a "
                                                                  "reason.")
class DecideVolunteerServiceInput:
    record_id: strawberry.ID = strawberry.field(description="The service record.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION)
    reason: str | None = strawberry.field(default=None, description="Why (required to reject; at most 2,000).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.VerifyVolunteerService:
        return c.VerifyVolunteerService(uuid_of(self.record_id, "VolunteerServiceRecord"), self.expected_version)

    def to_rejection(self) -> c.RejectVolunteerService:
        return c.RejectVolunteerService(uuid_of(self.record_id, "VolunteerServiceRecord"), self.expected_version)


@strawberry.input(name="RedeemVolunteerHoursInput", description="Staff of the volunteer's district; never more "
                                                                "than the balance.")
class RedeemVolunteerHoursInput:
    resident_id: strawberry.ID = strawberry.field(description="The volunteer's resident id.")
    hours: str = strawberry.field(description=f"{HOURS}, more than 0 and at most 200.")
    service: str = strawberry.field(description="The service the hours pay for (at most 200 characters).")
    provider: str = strawberry.field(description="Who provides it (at most 120 characters).")
    expected_version: int | None = strawberry.field(default=None, description=VERSION + " Without it a lost race "
                                                    "is retried, the balance checked again.")
    reason: str | None = strawberry.field(default=None, description="Optional note (at most 2,000).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RedeemVolunteerHours:
        return c.RedeemVolunteerHours(uuid_of(self.resident_id, "Resident"), self.hours, self.service,
                                      self.provider, self.expected_version)


@strawberry.input(name="TransferVolunteerHoursInput", description="To a member of the giver's household: at most "
                                                                  "50 hours at once, 100 a calendar year.")
class TransferVolunteerHoursInput:
    from_resident_id: strawberry.ID = strawberry.field(description="The giver's resident id.")
    to_resident_id: strawberry.ID = strawberry.field(description="The receiver's resident id.")
    household_id: strawberry.ID = strawberry.field(description="The registry household both belong to.")
    hours: str = strawberry.field(description=f"{HOURS}, more than 0.")
    expected_version: int | None = strawberry.field(default=None, description=VERSION + " (the giver's account)")
    reason: str | None = strawberry.field(default=None, description="Optional note (at most 2,000).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.TransferVolunteerHours:
        return c.TransferVolunteerHours(uuid_of(self.from_resident_id, "Resident"),
                                        uuid_of(self.to_resident_id, "Resident"),
                                        uuid_of(self.household_id, "Household"), self.hours, self.expected_version)
