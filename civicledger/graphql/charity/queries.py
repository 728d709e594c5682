"""Charity queries: needs (anonymous), offers, a need's rule-proposed candidates, matches with their outcomes."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core.errors import NotFoundError
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.charity.campaign_types import CampaignConnection, CampaignType, campaign_connection
from civicledger.graphql.charity.inputs import CharityNeedFilter
from civicledger.graphql.charity.types import (
    PAGE,
    CharityNeedConnection,
    CharityNeedType,
    CharityOfferConnection,
    CharityOfferType,
    SupportKindEnum,
    need_connection,
    offer_connection,
)
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, page_size, uuid_of
from civicledger.projections.charity_campaigns import campaigns_by_ids, search_campaigns
from civicledger.projections.charity_matching import needs_by_ids, offers_by_ids, search_needs, search_offers

First = Annotated[int | None, strawberry.argument(description=PAGE)]
After = Annotated[str | None, strawberry.argument(description="The cursor to continue after.")]


@strawberry.type
class CharityQueries:
    @strawberry.field(permission_classes=[CanRead], description=f"Published needs (anonymous), oldest first. {PAGE}")
    async def charity_needs(
            self, info: Info,
            filter: Annotated[CharityNeedFilter | None, strawberry.argument(description="What to list.")] = None,
            first: First = 20, after: After = None) -> CharityNeedConnection:
        f = filter or CharityNeedFilter()
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_needs(conn, status=f.status.value if f.status else None,
                                      district=parse_district(f.district).value if f.district else None,
                                      category=f.category.value if f.category else None,
                                      kind=f.kind.value if f.kind else None, after=decode_cursor("chneed", after),
                                      limit=limit)
        return need_connection(rows, limit)

    @strawberry.field(permission_classes=[CanRead], description="A published need (anonymous).")
    async def charity_need(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The need's global id or UUID.")]) -> CharityNeedType:
        key = uuid_of(id, "CharityNeed")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await needs_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"charity need {key} not found", id=str(id))
        return CharityNeedType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description=f"Donors' offers, oldest first. {PAGE}")
    async def charity_offers(
            self, info: Info,
            kind: Annotated[SupportKindEnum | None, strawberry.argument(  # type: ignore[valid-type]
                description="Only this kind.")] = None,
            first: First = 20, after: After = None) -> CharityOfferConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_offers(conn, kind=kind.value if kind else None, after=decode_cursor("choffer", after),
                                       limit=limit)
        return offer_connection(rows, limit)

    @strawberry.field(permission_classes=[CanRead], description="An offer, with its matches and their anonymous "
                                                                "outcomes (the donor's view).")
    async def charity_offer(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The offer's global id or UUID.")]) -> CharityOfferType:
        key = uuid_of(id, "CharityOffer")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await offers_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"charity offer {key} not found", id=str(id))
        return CharityOfferType.from_row(rows[0])

    @strawberry.field(permission_classes=[CanRead], description=f"Joint fundraising campaigns, oldest first. {PAGE}")
    async def charity_campaigns(
            self, info: Info,
            open_only: Annotated[bool, strawberry.argument(description="Only campaigns still open.")] = False,
            first: First = 20, after: After = None) -> CampaignConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_campaigns(conn, open_only=open_only, after=decode_cursor("chcampaign", after),
                                          limit=limit)
        return campaign_connection(rows, limit)

    @strawberry.field(permission_classes=[CanRead], description="A campaign with its totals and pledges.")
    async def charity_campaign(self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(
            description="The campaign's global id or UUID.")]) -> CampaignType:
        key = uuid_of(id, "CharityCampaign")
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await campaigns_by_ids(conn, [key])
        if not rows:
            raise NotFoundError(f"charity campaign {key} not found", id=str(id))
        return CampaignType.from_row(rows[0])
