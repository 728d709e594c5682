"""The registry's application service: get, decide, save; return what was recorded."""

from __future__ import annotations

from uuid import UUID

from civicledger.core.access import ADMIN, may_act_in, require_role
from civicledger.core.clock import business_date
from civicledger.core.commands import handles
from civicledger.core.errors import ClaimTakenError, InvalidInputError
from civicledger.core.eventstore.application import CivicApplication, Recorded
from civicledger.core.eventstore.claims import Claim
from civicledger.core.metadata import CommandContext
from civicledger.core.resident_id import parse_resident_id
from civicledger.core.text import REFERENCE_MAX, address, line, person_name, phone
from civicledger.domains.residents.commands import (
    AddHouseholdMember,
    ChangeAddress,
    CorrectResidentDetails,
    EraseResident,
    EstablishHousehold,
    RecordDeath,
    RegisterResident,
    RemoveHouseholdMember,
)
from civicledger.domains.residents.errors import (
    AlreadyInHouseholdError,
    ResidentDeceasedError,
    ResidentIdNumberTakenError,
)
from civicledger.domains.residents.household import Household, Relationship
from civicledger.domains.residents.resident import Gender, Resident
from civicledger.domains.residents.rules import parse_residency

ID_NUMBER_SCOPE = "resident_id_number"
MEMBERSHIP_SCOPE = "household_membership"


class ResidentRegistry(CivicApplication):
    program = "residents"

    # -- residents ----------------------------------------------------------------------------------------

    def _id_claim(self, id_number: str, owner: UUID) -> Claim:
        return Claim(ID_NUMBER_SCOPE, self.ledger.claim_key(ID_NUMBER_SCOPE, id_number), owner)

    @staticmethod
    def _new_resident(cmd: RegisterResident) -> Resident:
        """The validated registration, not yet saved: gender and birth date are read off the ID number."""
        identity = parse_resident_id(cmd.id_number, today=business_date())
        district, street, community = address(cmd.district, cmd.street, cmd.community)
        return Resident(
            name=person_name(cmd.name), id_number=identity.value, gender=Gender(identity.gender),
            birth_date=identity.birth_date, phone=phone(cmd.phone), district=district, street=street,
            community=community, residency=parse_residency(cmd.residency),
        )

    @handles
    def register_resident(self, cmd: RegisterResident, ctx: CommandContext) -> Recorded:
        resident = self._new_resident(cmd)
        may_act_in(ctx.actor, resident.district)
        try:
            return self._save(resident, ctx=ctx, command=cmd,
                              claims=[self._id_claim(resident.id_number, resident.id)])
        except ClaimTakenError:
            raise ResidentIdNumberTakenError() from None

    @handles
    def correct_resident_details(self, cmd: CorrectResidentDetails, ctx: CommandContext) -> Recorded:
        ctx = ctx.with_reason(ctx.require_reason())
        resident = self._get(Resident, cmd.resident_id, expected_version=cmd.expected_version)
        may_act_in(ctx.actor, resident.district)
        changes: dict[str, object] = {}
        derived: dict[str, object] = {}
        if cmd.name is not None:
            changes["name"] = person_name(cmd.name)
        if cmd.phone is not None:
            changes["phone"] = phone(cmd.phone)
        if cmd.residency is not None:
            changes["residency"] = parse_residency(cmd.residency)
        claims: list[Claim] = []
        releases: list[Claim] = []
        if cmd.id_number is not None:
            identity = parse_resident_id(cmd.id_number, today=business_date())
            changes["id_number"] = identity.value
            derived = {"gender": Gender(identity.gender), "birth_date": identity.birth_date}
            if identity.value != resident.id_number:
                claims.append(self._id_claim(identity.value, resident.id))
                releases.append(self._id_claim(resident.id_number, resident.id))
        resident.correct_details(changes, derived)
        try:
            return self._save(resident, ctx=ctx, command=cmd, claims=claims, releases=releases)
        except ClaimTakenError:
            raise ResidentIdNumberTakenError() from None

    @handles
    def change_address(self, cmd: ChangeAddress, ctx: CommandContext) -> Recorded:
        resident = self._get(Resident, cmd.resident_id, expected_version=cmd.expected_version)
        district, street, community = address(cmd.district, cmd.street, cmd.community)
        may_act_in(ctx.actor, resident.district)
        resident.change_address(district, street, community)
        return self._save(resident, ctx=ctx, command=cmd)

    @handles
    def record_death(self, cmd: RecordDeath, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        resident = self._get(Resident, cmd.resident_id, expected_version=cmd.expected_version)
        may_act_in(ctx.actor, resident.district)
        if cmd.date_of_death > business_date() or cmd.date_of_death < resident.birth_date:
            raise InvalidInputError("date of death must lie between birth and today", field="dateOfDeath")
        resident.record_death(cmd.date_of_death)
        return self._save(resident, ctx=ctx.with_reason(reason), command=cmd)

    @handles
    def erase_resident(self, cmd: EraseResident, ctx: CommandContext) -> Recorded:
        """PIPL erasure, granted by the data-protection officer (an admin): an audited event, and the resident's
        data key destroyed in the same transaction."""
        require_role(ctx.actor, ADMIN)
        reason = ctx.require_reason()
        reference = line(cmd.request_reference, "requestReference", max_length=REFERENCE_MAX)
        resident = self._get(Resident, cmd.resident_id)
        id_number = resident.id_number
        resident.erase(reference)
        releases = [self._id_claim(id_number, resident.id)] if id_number else []
        recorded = self._save(resident, ctx=ctx.with_reason(reason), command=cmd, releases=releases,
                              erase=[resident.id])
        self.ledger.keyring.forget([resident.id])
        return recorded

    # -- households ---------------------------------------------------------------------------------------

    def _membership(self, resident_id: UUID, household_id: UUID) -> Claim:
        return Claim(MEMBERSHIP_SCOPE, self.ledger.claim_key(MEMBERSHIP_SCOPE, str(resident_id)), household_id)

    def _living(self, resident_id: UUID) -> Resident:
        resident = self._get(Resident, resident_id)
        if resident.date_of_death is not None:
            raise ResidentDeceasedError(resident_id)
        return resident

    @handles
    def establish_household(self, cmd: EstablishHousehold, ctx: CommandContext) -> Recorded:
        head = self._living(cmd.head_id)
        may_act_in(ctx.actor, head.district)
        household = Household(head_id=head.id, district=head.district)
        try:
            return self._save(household, ctx=ctx, command=cmd, claims=[self._membership(head.id, household.id)])
        except ClaimTakenError:
            raise AlreadyInHouseholdError(head.id) from None

    @handles
    def add_household_member(self, cmd: AddHouseholdMember, ctx: CommandContext) -> Recorded:
        try:
            relationship = Relationship(cmd.relationship.upper())
        except ValueError:
            raise InvalidInputError("unknown relationship", field="relationship",
                                    allowed=[r.value for r in Relationship]) from None
        household = self._get(Household, cmd.household_id, expected_version=cmd.expected_version)
        member = self._living(cmd.resident_id)
        # Linking two records: the caller needs the right over the household *and* the resident.
        may_act_in(ctx.actor, household.district, member.district)
        household.add_member(member.id, relationship)
        try:
            return self._save(household, ctx=ctx, command=cmd, claims=[self._membership(member.id, household.id)])
        except ClaimTakenError:
            raise AlreadyInHouseholdError(member.id) from None

    @handles
    def remove_household_member(self, cmd: RemoveHouseholdMember, ctx: CommandContext) -> Recorded:
        reason = ctx.require_reason()
        household = self._get(Household, cmd.household_id, expected_version=cmd.expected_version)
        may_act_in(ctx.actor, household.district)
        household.remove_member(cmd.resident_id, cmd.new_head_id)
        return self._save(household, ctx=ctx.with_reason(reason), command=cmd,
                          releases=[self._membership(cmd.resident_id, household.id)])

    # -- reads for other programs (write-model truth) ------------------------------------------------------

    def get_resident(self, resident_id: UUID) -> Resident:
        return self._get(Resident, resident_id, label="resident")

    def get_household(self, household_id: UUID) -> Household:
        return self._get(Household, household_id, label="household")
