"""Marriage mutations: input → command → the one command path → payload. Who may do what (offices, supervisors)
is decided by the marriage service, not here."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from civicledger.core.eventstore.application import Recorded
from civicledger.graphql.commands import CommandPayload, execute
from civicledger.graphql.marriage.inputs import (
    ApplyForDivorceInput,
    BookMarriageAppointmentInput,
    CancelMarriageAppointmentInput,
    CorrectMarriageInput,
    RegisterDivorceInput,
    RegisterMarriageInput,
    WithdrawDivorceApplicationInput,
)
from civicledger.graphql.marriage.types import MarriageAppointmentType, MarriageType
from civicledger.graphql.permissions import CanCommand
from civicledger.projections.marriage_appointments import appointments_by_ids
from civicledger.projections.marriage_registrations import marriages_by_ids

POSITION = "Global log position; pass as minPosition to read your write."
REPLAYED = "True when an idempotency key returned an earlier result."
INPUT = "The command's fields; text is bounded as each field says."
ApplyForDivorceIn = Annotated[ApplyForDivorceInput, strawberry.argument(description=INPUT)]
BookMarriageAppointmentIn = Annotated[BookMarriageAppointmentInput, strawberry.argument(description=INPUT)]
CancelMarriageAppointmentIn = Annotated[CancelMarriageAppointmentInput, strawberry.argument(description=INPUT)]
CorrectMarriageIn = Annotated[CorrectMarriageInput, strawberry.argument(description=INPUT)]
RegisterDivorceIn = Annotated[RegisterDivorceInput, strawberry.argument(description=INPUT)]
RegisterMarriageIn = Annotated[RegisterMarriageInput, strawberry.argument(description=INPUT)]
WithdrawDivorceApplicationIn = Annotated[WithdrawDivorceApplicationInput, strawberry.argument(description=INPUT)]


@strawberry.interface(name="MarriageCommandPayload", description="What a marriage command recorded.")
class MarriageCommandPayload(CommandPayload):
    stream_id: UUID = strawberry.field(description="The marriage's (or appointment's) stream.")

    @classmethod
    def of(cls, recorded: Recorded) -> Any:
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded))


@strawberry.type(name="MarriagePayload", description="What a marriage command recorded, and the marriage.")
class MarriagePayload(MarriageCommandPayload):
    @strawberry.field(description="The marriage once the read model shows it.")
    async def marriage(self, info: Info) -> MarriageType | None:
        row = await info.context.read_after(self.position, marriages_by_ids, self.stream_id)
        return MarriageType.from_row(row) if row else None


@strawberry.type(name="MarriageAppointmentPayload", description="What an appointment command recorded, and the "
                                                                  "appointment.")
class MarriageAppointmentPayload(MarriageCommandPayload):
    @strawberry.field(description="The appointment once the read model shows it.")
    async def appointment(self, info: Info) -> MarriageAppointmentType | None:
        row = await info.context.read_after(self.position, appointments_by_ids, self.stream_id)
        return MarriageAppointmentType.from_row(row) if row else None


@strawberry.type
class MarriageMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Book a couple's appointment at an office.")
    async def book_marriage_appointment(self, info: Info, input: BookMarriageAppointmentIn
                                        ) -> MarriageAppointmentPayload:
        return MarriageAppointmentPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Cancel a booked appointment (with a reason).")
    async def cancel_marriage_appointment(self, info: Info, input: CancelMarriageAppointmentIn
                                          ) -> MarriageAppointmentPayload:
        return MarriageAppointmentPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Register a marriage at any of the 11 "
                                                                      "district offices (city-wide).")
    async def register_marriage(self, info: Info, input: RegisterMarriageIn) -> MarriagePayload:
        return MarriagePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Receive a couple's divorce application.")
    async def apply_for_divorce(self, info: Info, input: ApplyForDivorceIn) -> MarriagePayload:
        return MarriagePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A party withdraws the divorce application "
                                                                      "during the cooling-off period.")
    async def withdraw_divorce_application(self, info: Info, input: WithdrawDivorceApplicationIn
                                           ) -> MarriagePayload:
        return MarriagePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Register the divorce after the cooling-off "
                                                                      "period (refused during it).")
    async def register_divorce(self, info: Info, input: RegisterDivorceIn) -> MarriagePayload:
        return MarriagePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A supervisor corrects a registration's "
                                                                      "dates, with a reason.")
    async def correct_marriage(self, info: Info, input: CorrectMarriageIn) -> MarriagePayload:
        return MarriagePayload.of(await execute(info, input))
