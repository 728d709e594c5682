"""Time-bank mutations: input → command → the one command path → payload. Who may do what is decided by the
time-bank service (the volunteer's district, the organising party), not here."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand
from civicledger.graphql.timebank.inputs import (
    DecideVolunteerServiceInput,
    RecordVolunteerServiceInput,
    RedeemVolunteerHoursInput,
    TransferVolunteerHoursInput,
)
from civicledger.graphql.timebank.payloads import ServiceRecordPayload, TimeBankAccountPayload

INPUT = strawberry.argument(description="The command's input (its type states each field's limits).")


@strawberry.type
class TimeBankMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Record a volunteer's service for the "
                                                                      "organising party to verify (no hours are "
                                                                      "banked until then).")
    async def record_volunteer_service(
            self, info: Info, input: Annotated[RecordVolunteerServiceInput, INPUT]) -> ServiceRecordPayload:
        return ServiceRecordPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="The organising party verifies a service "
                                                                      "record: its hours are banked. Never by "
                                                                      "whoever recorded it (FORBIDDEN, rule "
                                                                      "FOUR_EYES).")
    async def verify_volunteer_service(
            self, info: Info, input: Annotated[DecideVolunteerServiceInput, INPUT]) -> ServiceRecordPayload:
        return ServiceRecordPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="The organising party rejects a service "
                                                                      "record (with a reason): nothing is banked.")
    async def reject_volunteer_service(
            self, info: Info, input: Annotated[DecideVolunteerServiceInput, INPUT]) -> ServiceRecordPayload:
        return ServiceRecordPayload.of(await execute(info, input, input.to_rejection()))

    @strawberry.mutation(permission_classes=[CanCommand], description="Redeem banked hours for a service; more "
                                                                      "than the balance is RULE_VIOLATION.")
    async def redeem_volunteer_hours(
            self, info: Info, input: Annotated[RedeemVolunteerHoursInput, INPUT]) -> TimeBankAccountPayload:
        return TimeBankAccountPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Give hours to a member of the same "
                                                                      "household (at most 50 at once, 100 a year).")
    async def transfer_volunteer_hours(
            self, info: Info, input: Annotated[TransferVolunteerHoursInput, INPUT]) -> TimeBankAccountPayload:
        return TimeBankAccountPayload.of(await execute(info, input))
