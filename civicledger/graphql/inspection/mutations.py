"""The lawful deletion request (PIPL): only the data-protection officer (role `admin`) may erase a resident's
personal data; the request's reference and a reason are required, and the erasure is itself an audited event."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from civicledger.core.auth import Role
from civicledger.core.errors import InvalidInputError
from civicledger.domains.residents.commands import EraseResident
from civicledger.graphql.permissions import CanCommand
from civicledger.graphql.relay import uuid_of
from civicledger.graphql.residents.mutations import ResidentPayload


@strawberry.input(name="EraseResidentPersonalDataInput")
class EraseResidentPersonalDataInput:
    resident_id: strawberry.ID
    request_reference: str = strawberry.field(description="The lawful request's reference (PIPL art. 47).")
    reason: str = strawberry.field(description="Why the request is granted.")
    idempotency_key: str | None = None


@strawberry.type
class InspectionMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Erase a resident's personal data on a lawful "
                         "request: their key is destroyed, read models are scrubbed; history, counts and tamper "
                         "evidence stay verifiable and show the entries as erased. Data-protection officer only.")
    async def erase_resident_personal_data(self, info: Info, input: EraseResidentPersonalDataInput) -> ResidentPayload:
        ctx = info.context
        ctx.principal.require_role(Role.ADMIN)
        if not input.request_reference.strip():
            raise InvalidInputError("the lawful request's reference is required", field="requestReference")
        cmd = EraseResident(resident_id=uuid_of(input.resident_id, "Resident"),
                            request_reference=input.request_reference)
        recorded = await ctx.run(ctx.runtime.services.residents.erase_resident, cmd,
                                 ctx.command(reason=input.reason, idempotency_key=input.idempotency_key))
        return ResidentPayload.of(recorded)
