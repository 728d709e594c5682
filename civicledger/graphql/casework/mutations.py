"""Casework mutations: one per command, each input → command → the one command path → payload. The casework
service decides who may act (the holding station's social workers for a case's work); expected failures arrive
as typed errors with stable codes and write nothing."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from civicledger.graphql.casework import inputs as i
from civicledger.graphql.casework.payloads import CasePayload, StationPayload
from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand


@strawberry.type
class CaseworkMutations:
    # -- stations ------------------------------------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand], description="Register a social-work station.")
    async def register_casework_station(self, info: Info, input: i.RegisterStationInput) -> StationPayload:
        return StationPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Put a social worker on a station's staff.")
    async def add_casework_social_worker(self, info: Info, input: i.SocialWorkerInput) -> StationPayload:
        return StationPayload.of(await execute(info, input, input.add()))

    @strawberry.mutation(permission_classes=[CanCommand], description="Take a social worker off a station's staff.")
    async def remove_casework_social_worker(self, info: Info, input: i.SocialWorkerInput) -> StationPayload:
        return StationPayload.of(await execute(info, input, input.remove()))

    # -- cases ---------------------------------------------------------------------------------------------

    @strawberry.mutation(permission_classes=[CanCommand], description="Intake: one open case per resident and "
                         "service, city-wide (CONFLICT otherwise).")
    async def open_casework_case(self, info: Info, input: i.OpenCaseInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Assess a case at intake (once).")
    async def assess_casework_case(self, info: Info, input: i.AssessInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Agree the service plan (or a new one).")
    async def agree_casework_service_plan(self, info: Info, input: i.AgreePlanInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Record a session with its notes.")
    async def record_casework_session(self, info: Info, input: i.SessionInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Record a periodic review.")
    async def review_casework_case(self, info: Info, input: i.ReviewInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Give the case to another of the station's "
                         "social workers (the station's own, or a supervisor of its district).")
    async def assign_casework_social_worker(self, info: Info, input: i.AssignInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Transfer the case to another station.")
    async def transfer_casework_case(self, info: Info, input: i.TransferInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Close the case with an outcome per goal; a "
                         "case opened from a linkage referral reports its outcome back to the referral.")
    async def close_casework_case(self, info: Info, input: i.CloseInput) -> CasePayload:
        return CasePayload.of(await execute(info, input))
