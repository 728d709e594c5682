"""Registry mutations: one per command, each input → command → the one command path → payload (the resident
or household once the read models have caught up with the command)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.domains.residents import commands as c
from civicledger.graphql.commands import CommandPayload, execute
from civicledger.graphql.permissions import CanCommand
from civicledger.graphql.relay import uuid_of
from civicledger.graphql.residents.types import (
    HouseholdType,
    RelationshipEnum,
    ResidencyEnum,
    ResidentType,
)
from civicledger.projections.households import households_by_ids
from civicledger.projections.residents import residents_by_ids


async def _await_resident(info: Info, resident_id: UUID, position: int) -> ResidentType | None:
    row = await info.context.read_after(position, residents_by_ids, resident_id)
    return ResidentType.from_row(row) if row else None


async def _await_household(info: Info, household_id: UUID, position: int) -> HouseholdType | None:
    row = await info.context.read_after(position, households_by_ids, household_id)
    return HouseholdType.from_row(row) if row else None


@strawberry.type(name="ResidentPayload", description="What a registry command recorded.")
class ResidentPayload(CommandPayload):
    resident_id: UUID = strawberry.field(description="The resident's UUID.")
    version: int = strawberry.field(description="The resident's version after the command.")  # of its stream

    @strawberry.field(description="The resident as the read model shows it once it has reached `position`.")
    async def resident(self, info: Info) -> ResidentType | None:
        return await _await_resident(info, self.resident_id, self.position)

    @classmethod
    def of(cls, recorded: Recorded, resident_id: UUID | None = None) -> ResidentPayload:
        rid = resident_id or recorded.stream_id
        return cls(resident_id=rid, version=recorded.version_of(rid) or recorded.version,
                   position=recorded.position, replayed=recorded.replayed)


@strawberry.type(description="What a household command recorded.", name="HouseholdPayload")
class HouseholdPayload(CommandPayload):
    household_id: UUID = strawberry.field(description="The household's UUID.")

    @strawberry.field(description="The household as the read model shows it once it has reached position.")
    async def household(self, info: Info) -> HouseholdType | None:
        return await _await_household(info, self.household_id, self.position)

    @classmethod
    def of(cls, recorded: Recorded) -> HouseholdPayload:
        return cls(household_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.input(description=("A new resident. Text fields are refused with INVALID_INPUT when empty, too long, "
                               "or holding control characters or non-ASCII digits."), name="RegisterResidentInput")
class RegisterResidentInput:
    name: str = strawberry.field(description="Full name, as on the ID card.")
    id_number: str = strawberry.field(description="18-character resident ID number (GB 11643).")
    district: str = strawberry.field(description="District code (HAIZHU) or name (海珠区) where they live.")
    street: str = strawberry.field(description="The street (街道) where they live.")
    community: str = strawberry.field(description="The community (社区) where they live.")
    residency: ResidencyEnum = strawberry.field(default=ResidencyEnum.REGISTERED,
        description="Registered here (default) or not.")
    phone: str | None = strawberry.field(default=None, description=("Mobile or landline number (digits); masked on "
                                                                    "reads."))
    idempotency_key: str | None = strawberry.field(default=None, description="Safe retries: same key, same result.")
    reason: str | None = None

    def to_command(self) -> c.RegisterResident:
        return c.RegisterResident(name=self.name, id_number=self.id_number, district=self.district,
                                  street=self.street, community=self.community, residency=self.residency.value,
                                  phone=self.phone)


@strawberry.input(description="Corrections to a resident's record: give only what changes.",
                  name="CorrectResidentDetailsInput")
class CorrectResidentDetailsInput:
    resident_id: strawberry.ID = strawberry.field(description="The resident (global ID or UUID).")
    reason: str = strawberry.field(description="Required: why the record was wrong.")
    expected_version: int | None = None
    name: str | None = strawberry.field(default=None, description="The correct name.")
    id_number: str | None = strawberry.field(default=None, description="The correct 18-character ID number.")
    phone: str | None = strawberry.field(default=None, description="The correct phone number.")
    residency: ResidencyEnum | None = strawberry.field(default=None, description="The correct residency.")
    idempotency_key: str | None = None

    def to_command(self) -> c.CorrectResidentDetails:
        return c.CorrectResidentDetails(
            resident_id=uuid_of(self.resident_id, "Resident"), expected_version=self.expected_version,
            name=self.name, id_number=self.id_number, phone=self.phone,
            residency=self.residency.value if self.residency else None)


@strawberry.input(description="A resident's new address.", name="ChangeResidentAddressInput")
class ChangeResidentAddressInput:
    resident_id: strawberry.ID = strawberry.field(description="The resident (global ID or UUID).")
    district: str = strawberry.field(description="District code or name of the new address.")
    street: str = strawberry.field(description="The new street.")
    community: str = strawberry.field(description="The new community.")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.ChangeAddress:
        return c.ChangeAddress(resident_id=uuid_of(self.resident_id, "Resident"), district=self.district,
                               street=self.street, community=self.community,
                               expected_version=self.expected_version)


@strawberry.input(description="A resident's death.", name="RecordResidentDeathInput")
class RecordResidentDeathInput:
    resident_id: strawberry.ID = strawberry.field(description="The resident (global ID or UUID).")
    date_of_death: date = strawberry.field(description="The date of death.")
    reason: str
    expected_version: int | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RecordDeath:
        return c.RecordDeath(resident_id=uuid_of(self.resident_id, "Resident"), date_of_death=self.date_of_death,
                             expected_version=self.expected_version)


@strawberry.input(description="A new household around its head.", name="EstablishHouseholdInput")
class EstablishHouseholdInput:
    head_id: strawberry.ID = strawberry.field(description="The resident who heads it (global ID or UUID).")
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.EstablishHousehold:
        return c.EstablishHousehold(head_id=uuid_of(self.head_id, "Resident"))


@strawberry.input(description="A resident joining a household.", name="AddHouseholdMemberInput")
class AddHouseholdMemberInput:
    household_id: strawberry.ID = strawberry.field(description="The household (global ID or UUID).")
    resident_id: strawberry.ID = strawberry.field(description="The resident joining (global ID or UUID).")
    relationship: RelationshipEnum = strawberry.field(description="Their relationship to the head.")
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.AddHouseholdMember:
        return c.AddHouseholdMember(household_id=uuid_of(self.household_id, "Household"),
                                    resident_id=uuid_of(self.resident_id, "Resident"),
                                    relationship=self.relationship.value, expected_version=self.expected_version)


@strawberry.input(description="A member leaving a household.", name="RemoveHouseholdMemberInput")
class RemoveHouseholdMemberInput:
    household_id: strawberry.ID = strawberry.field(description="The household (global ID or UUID).")
    resident_id: strawberry.ID = strawberry.field(description="The member leaving.")
    reason: str
    new_head_id: strawberry.ID | None = strawberry.field(default=None, description=("Required when the head leaves: "
                                                                                    "the member who becomes head."))
    expected_version: int | None = None
    idempotency_key: str | None = None

    def to_command(self) -> c.RemoveHouseholdMember:
        return c.RemoveHouseholdMember(
            household_id=uuid_of(self.household_id, "Household"), resident_id=uuid_of(self.resident_id, "Resident"),
            new_head_id=uuid_of(self.new_head_id, "Resident") if self.new_head_id else None,
            expected_version=self.expected_version)


@strawberry.input(description="An erasure of a resident's personal data (PIPL): their data key is destroyed.",
                  name="EraseResidentPersonalDataInput")
class EraseResidentPersonalDataInput:
    resident_id: strawberry.ID = strawberry.field(description="The resident (global ID or UUID).")
    request_reference: str = strawberry.field(description="The lawful request's reference (PIPL art. 47).")
    reason: str = strawberry.field(description="Why the request is granted.")
    idempotency_key: str | None = None

    def to_command(self) -> c.EraseResident:
        return c.EraseResident(resident_id=uuid_of(self.resident_id, "Resident"),
                               request_reference=self.request_reference)


@strawberry.type
class ResidentMutations:
    @strawberry.mutation(
        description=("Register a resident in the registry (their ID number is claimed: a second registration of the "
                     "same number is CONFLICT). Answers the resident once the read models have it."),
        permission_classes=[CanCommand])
    async def register_resident(self, info: Info, input: RegisterResidentInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Correct what was recorded wrongly (name, ID number, phone, residency), with the required reason;"
                     " the earlier values stay in the history."),
        permission_classes=[CanCommand])
    async def correct_resident_details(self, info: Info, input: CorrectResidentDetailsInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record that the resident moved (district, street, community); the resident then belongs to the "
                     "new district's caseworkers."),
        permission_classes=[CanCommand])
    async def change_resident_address(self, info: Info, input: ChangeResidentAddressInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))

    @strawberry.mutation(
        description=("Record a resident's death (the date and a reason); later commands about them are refused where "
                     "the rules say so."),
        permission_classes=[CanCommand])
    async def record_resident_death(self, info: Info, input: RecordResidentDeathInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Establish a household with this resident as its head.",
        permission_classes=[CanCommand])
    async def establish_household(self, info: Info, input: EstablishHouseholdInput) -> HouseholdPayload:
        return HouseholdPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Add a resident to a household, with their relationship to the head.",
        permission_classes=[CanCommand])
    async def add_household_member(self, info: Info, input: AddHouseholdMemberInput) -> HouseholdPayload:
        return HouseholdPayload.of(await execute(info, input))

    @strawberry.mutation(
        description="Remove a member from a household (with a reason); removing the head needs `newHeadId`.",
        permission_classes=[CanCommand])
    async def remove_household_member(self, info: Info, input: RemoveHouseholdMemberInput) -> HouseholdPayload:
        return HouseholdPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Erase a resident's personal data on a lawful "
                         "request: their key is destroyed, read models are scrubbed; history, counts and tamper "
                         "evidence stay verifiable and show the entries as erased. Data-protection officer only.")
    async def erase_resident_personal_data(self, info: Info, input: EraseResidentPersonalDataInput) -> ResidentPayload:
        return ResidentPayload.of(await execute(info, input))
