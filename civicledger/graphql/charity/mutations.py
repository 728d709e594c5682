"""Charity mutations: input → command → the one command path → payload. Who may do what is decided by the
charity service (the case's and the need's district, caseworkers for acceptance), not here."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.graphql.charity.campaign_types import (
    CampaignPayload,
    CloseCharityCampaignInput,
    LaunchCharityCampaignInput,
    PledgeToCharityCampaignInput,
    RecordCharityReceiptInput,
)
from civicledger.graphql.charity.inputs import (
    ConfirmCharityFulfilmentInput,
    DecideCharityMatchInput,
    ProposeCharityMatchInput,
    PublishCharityNeedInput,
    RegisterCharityOfferInput,
    WithdrawCharityNeedInput,
)
from civicledger.graphql.charity.payloads import CharityMatchPayload, CharityNeedPayload, CharityOfferPayload
from civicledger.graphql.commands import execute
from civicledger.graphql.permissions import CanCommand

INPUT = strawberry.argument(description="The command's input (its type states each field's limits).")


@strawberry.type
class CharityMutations:
    @strawberry.mutation(permission_classes=[CanCommand], description="Publish a case's need anonymously for "
                                                                      "donors; refused without the resident's consent.")
    async def publish_charity_need(
            self, info: Info, input: Annotated[PublishCharityNeedInput, INPUT]) -> CharityNeedPayload:
        return CharityNeedPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Take a need down (with a reason).")
    async def withdraw_charity_need(
            self, info: Info, input: Annotated[WithdrawCharityNeedInput, INPUT]) -> CharityNeedPayload:
        return CharityNeedPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Register a donor's offer with its "
                                                                      "conditions.")
    async def register_charity_offer(
            self, info: Info, input: Annotated[RegisterCharityOfferInput, INPUT]) -> CharityOfferPayload:
        return CharityOfferPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Propose a match the rules allow (the offer's "
                                                                      "kind, categories, districts; quantities).")
    async def propose_charity_match(
            self, info: Info, input: Annotated[ProposeCharityMatchInput, INPUT]) -> CharityMatchPayload:
        return CharityMatchPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A caseworker of the need's district accepts "
                                                                      "a proposed match.")
    async def accept_charity_match(
            self, info: Info, input: Annotated[DecideCharityMatchInput, INPUT]) -> CharityMatchPayload:
        return CharityMatchPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A caseworker of the need's district declines "
                                                                      "a match (with a reason).")
    async def decline_charity_match(
            self, info: Info, input: Annotated[DecideCharityMatchInput, INPUT]) -> CharityMatchPayload:
        return CharityMatchPayload.of(await execute(info, input, input.to_decline()))

    @strawberry.mutation(permission_classes=[CanCommand], description="A caseworker of the need's district confirms "
                                                                      "delivery, with the anonymous outcome.")
    async def confirm_charity_fulfilment(
            self, info: Info, input: Annotated[ConfirmCharityFulfilmentInput, INPUT]) -> CharityMatchPayload:
        return CharityMatchPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Launch a joint fundraising campaign.")
    async def launch_charity_campaign(
            self, info: Info, input: Annotated[LaunchCharityCampaignInput, INPUT]) -> CampaignPayload:
        return CampaignPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="A donor's pledge to an open campaign.")
    async def pledge_to_charity_campaign(
            self, info: Info, input: Annotated[PledgeToCharityCampaignInput, INPUT]) -> CampaignPayload:
        return CampaignPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Money received against a pledge.")
    async def record_charity_receipt(
            self, info: Info, input: Annotated[RecordCharityReceiptInput, INPUT]) -> CampaignPayload:
        return CampaignPayload.of(await execute(info, input))

    @strawberry.mutation(permission_classes=[CanCommand], description="Close a campaign: no more pledges.")
    async def close_charity_campaign(
            self, info: Info, input: Annotated[CloseCharityCampaignInput, INPUT]) -> CampaignPayload:
        return CampaignPayload.of(await execute(info, input))
