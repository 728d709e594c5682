"""Registry mutations: one per command. Translate input, check the caller may act there, call the service,
return what was recorded (and the resident once the read model has caught up with it)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.core.guangzhou import parse_district
from civicledger.domains.residents import commands as c
from civicledger.graphql.permissions import CanCommand, may_command_for
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
    row = await info.context.read_after("residents", position, residents_by_ids, resident_id)
    return ResidentType.from_row(row) if row else None


async def _await_household(info: Info, household_id: UUID, position: int) -> HouseholdType | None:
    row = await info.context.read_after("households", position, households_by_ids, household_id)
    return HouseholdType.from_row(row) if row else None


@strawberry.type(name="ResidentPayload", description="What a registry command recorded.")
class ResidentPayload:
    resident_id: UUID
    version: int = strawberry.field(description="The resident's version after the command.")
    position: int = strawberry.field(description="Global log position; pass as minPosition to read your write.")
    replayed: bool = strawberry.field(description="True when an idempotency key returned an earlier result.")

    @strawberry.field(description="The resident as the read model shows it once it has reached `position`.")
    async def resident(self, info: Info) -> ResidentType | None:
        return await _await_resident(info, self.resident_id, self.position)

    @classmethod
    def of(cls, recorded: Recorded, resident_id: UUID | None = None) -> ResidentPayload:
        rid = resident_id or recorded.stream_id
        return cls(resident_id=rid, version=recorded.version_of(rid) or recorded.version,
                   position=recorded.position, replayed=recorded.replayed)


@strawberry.type(name="HouseholdPayload")
class HouseholdPayload:
    household_id: UUID
    version: int
    position: int
    replayed: bool

    @strawberry.field
    async def household(self, info: Info) -> HouseholdType | None:
        return await _await_household(info, self.household_id, self.position)

    @classmethod
    def of(cls, recorded: Recorded) -> HouseholdPayload:
        return cls(household_id=recorded.stream_id, version=recorded.version, position=recorded.position,
                   replayed=recorded.replayed)


@strawberry.input(name="RegisterResidentInput")
class RegisterResidentInput:
    name: str
    id_number: str = strawberry.field(description="18-character resident ID number (GB 11643).")
    district: str
    street: str
    community: str
    residency: ResidencyEnum = ResidencyEnum.REGISTERED
    phone: str | None = None
    idempotency_key: str | None = strawberry.field(default=None, description="Safe retries: same key, same result.")
    reason: str | None = None


@strawberry.input(name="CorrectResidentDetailsInput")
class CorrectResidentDetailsInput:
    resident_id: strawberry.ID
    reason: str = strawberry.field(description="Required: why the record was wrong.")
    expected_version: int | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    residency: ResidencyEnum | None = None
    idempotency_key: str | None = None


@strawberry.input(name="ChangeResidentAddressInput")
class ChangeResidentAddressInput:
    resident_id: strawberry.ID
    district: str
    street: str
    community: str
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input(name="RecordResidentDeathInput")
class RecordResidentDeathInput:
    resident_id: strawberry.ID
    date_of_death: date
    reason: str
    expected_version: int | None = None
    idempotency_key: str | None = None


@strawberry.input(name="EstablishHouseholdInput")
class EstablishHouseholdInput:
    head_id: strawberry.ID
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input(name="AddHouseholdMemberInput")
class AddHouseholdMemberInput:
    household_id: strawberry.ID
    resident_id: strawberry.ID
    relationship: RelationshipEnum
    expected_version: int | None = None
    reason: str | None = None
    idempotency_key: str | None = None


@strawberry.input(name="RemoveHouseholdMemberInput")
class RemoveHouseholdMemberInput:
    household_id: strawberry.ID
    resident_id: strawberry.ID
    reason: str
    new_head_id: strawberry.ID | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None


async def _resident_district(info: Info, resident_id: UUID) -> str:
    resident = await info.context.run(info.context.runtime.services.residents.get_resident, resident_id)
    return resident.district  # type: ignore[no-any-return]


@strawberry.type
class ResidentMutations:
    @strawberry.mutation(permission_classes=[CanCommand])
    async def register_resident(self, info: Info, input: RegisterResidentInput) -> ResidentPayload:
        ctx = info.context
        may_command_for(ctx.principal, parse_district(input.district).value)
        cmd = c.RegisterResident(name=input.name, id_number=input.id_number, district=input.district,
                                 street=input.street, community=input.community,
                                 residency=input.residency.value, phone=input.phone)
        recorded = await ctx.run(ctx.runtime.services.residents.register_resident, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ResidentPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def correct_resident_details(self, info: Info, input: CorrectResidentDetailsInput) -> ResidentPayload:
        ctx = info.context
        rid = uuid_of(input.resident_id, "Resident")
        may_command_for(ctx.principal, await _resident_district(info, rid))
        cmd = c.CorrectResidentDetails(
            resident_id=rid, expected_version=input.expected_version, name=input.name,
            id_number=input.id_number, phone=input.phone,
            residency=input.residency.value if input.residency else None,
        )
        recorded = await ctx.run(ctx.runtime.services.residents.correct_resident_details, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ResidentPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def change_resident_address(self, info: Info, input: ChangeResidentAddressInput) -> ResidentPayload:
        ctx = info.context
        rid = uuid_of(input.resident_id, "Resident")
        may_command_for(ctx.principal, await _resident_district(info, rid))
        cmd = c.ChangeAddress(resident_id=rid, district=input.district, street=input.street,
                              community=input.community, expected_version=input.expected_version)
        recorded = await ctx.run(ctx.runtime.services.residents.change_address, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ResidentPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def record_resident_death(self, info: Info, input: RecordResidentDeathInput) -> ResidentPayload:
        ctx = info.context
        rid = uuid_of(input.resident_id, "Resident")
        may_command_for(ctx.principal, await _resident_district(info, rid))
        cmd = c.RecordDeath(resident_id=rid, date_of_death=input.date_of_death,
                            expected_version=input.expected_version)
        recorded = await ctx.run(ctx.runtime.services.residents.record_death, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ResidentPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def establish_household(self, info: Info, input: EstablishHouseholdInput) -> HouseholdPayload:
        ctx = info.context
        head = uuid_of(input.head_id, "Resident")
        may_command_for(ctx.principal, await _resident_district(info, head))
        recorded = await ctx.run(ctx.runtime.services.residents.establish_household,
                                 c.EstablishHousehold(head_id=head),
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return HouseholdPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def add_household_member(self, info: Info, input: AddHouseholdMemberInput) -> HouseholdPayload:
        ctx = info.context
        hid = uuid_of(input.household_id, "Household")
        household = await ctx.run(ctx.runtime.services.residents.get_household, hid)
        may_command_for(ctx.principal, household.district)
        cmd = c.AddHouseholdMember(household_id=hid, resident_id=uuid_of(input.resident_id, "Resident"),
                                   relationship=input.relationship.value, expected_version=input.expected_version)
        recorded = await ctx.run(ctx.runtime.services.residents.add_household_member, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return HouseholdPayload.of(recorded)

    @strawberry.mutation(permission_classes=[CanCommand])
    async def remove_household_member(self, info: Info, input: RemoveHouseholdMemberInput) -> HouseholdPayload:
        ctx = info.context
        hid = uuid_of(input.household_id, "Household")
        household = await ctx.run(ctx.runtime.services.residents.get_household, hid)
        may_command_for(ctx.principal, household.district)
        cmd = c.RemoveHouseholdMember(
            household_id=hid, resident_id=uuid_of(input.resident_id, "Resident"),
            new_head_id=uuid_of(input.new_head_id, "Resident") if input.new_head_id else None,
            expected_version=input.expected_version,
        )
        recorded = await ctx.run(ctx.runtime.services.residents.remove_household_member, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return HouseholdPayload.of(recorded)
