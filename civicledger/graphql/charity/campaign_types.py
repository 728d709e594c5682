"""GraphQL types, inputs and payloads of joint fundraising campaigns: a campaign with its totals and its paginated
pledges, each pledge with its receipts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.values import NeedCategory
from civicledger.graphql.charity.types import PAGE, After, First, NeedCategoryEnum
from civicledger.graphql.commands import CommandPayload
from civicledger.graphql.relay import decode_cursor, keyset_page, page_size, uuid_of
from civicledger.projections.charity_campaigns import campaigns_by_ids, pledge_at, pledges_of

KEY = "Safe retries: the same key returns the first result and writes nothing (1–200 visible ASCII characters)."


def _list(raw: Any) -> list[Any]:
    return list(json.loads(raw) if isinstance(raw, (str, bytes)) else raw or [])


@strawberry.type(name="CharityReceipt", description="Money received against a pledge.")
class ReceiptType:
    number: str = strawberry.field(description="The receipt number (unique in its campaign).")
    amount: Decimal = strawberry.field(description="Yuan received.")
    recorded_at: datetime = strawberry.field(description="When it was recorded (UTC).")


@strawberry.type(name="CharityPledge", description="A donor's pledge to a campaign.")
class PledgeType:
    row: strawberry.Private[Any]

    @strawberry.field(description="The pledge id: name it when recording a receipt.")
    def pledge_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The donor.")
    def donor_name(self) -> str:
        return self.row["donor_name"]  # type: ignore[no-any-return]

    @strawberry.field(description="Yuan pledged.")
    def amount(self) -> Decimal:
        return self.row["amount"]  # type: ignore[no-any-return]

    @strawberry.field(description="Yuan received so far (never more than pledged).")
    def paid(self) -> Decimal:
        return self.row["paid"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was pledged (UTC).")
    def pledged_at(self) -> datetime:
        return self.row["pledged_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Its receipts, oldest first (at most 50 per pledge).")
    def receipts(self) -> list[ReceiptType]:
        return [ReceiptType(number=r["number"], amount=Decimal(r["amount"]),
                            recorded_at=datetime.fromisoformat(r["at"])) for r in _list(self.row["receipts"])]


@strawberry.type(name="CharityPledgeEdge", description="A pledge and its cursor.")
class PledgeEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: PledgeType = strawberry.field(description="The pledge.")


@strawberry.type(name="CharityPledgeConnection", description="Pledges, oldest first.")
class PledgeConnection:
    edges: list[PledgeEdge] = strawberry.field(description="This page's pledges.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow.")


@strawberry.type(name="CharityCampaign", description="A joint fundraising campaign (联合劝募).")
class CampaignType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="Its title.")
    def title(self) -> str:
        return self.row["title"]  # type: ignore[no-any-return]

    @strawberry.field(description="The partners raising together (2 to 20 organisations).")
    def partners(self) -> list[str]:
        return [str(p) for p in _list(self.row["partners"])]

    @strawberry.field(description="The field it raises for.")
    def category(self) -> NeedCategoryEnum:  # type: ignore[valid-type]
        return NeedCategory(self.row["category"])

    @strawberry.field(description="Yuan it aims to raise.")
    def target(self) -> Decimal:
        return self.row["target"]  # type: ignore[no-any-return]

    @strawberry.field(description="Yuan pledged.")
    def pledged(self) -> Decimal:
        return self.row["pledged"]  # type: ignore[no-any-return]

    @strawberry.field(description="Yuan received (receipts).")
    def received(self) -> Decimal:
        return self.row["received"]  # type: ignore[no-any-return]

    @strawberry.field(description="First day pledges are taken (Asia/Shanghai).")
    def opens_on(self) -> date:
        return self.row["opens_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Last day pledges are taken.")
    def closes_on(self) -> date:
        return self.row["closes_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="False once closed.")
    def open(self) -> bool:
        return self.row["open"]  # type: ignore[no-any-return]

    @strawberry.field(description="The campaign stream's version: pass as expectedVersion.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description=f"Its pledges, oldest first. {PAGE}")
    async def pledges(self, info: Info, first: First = 20, after: After = None) -> PledgeConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await pledges_of(conn, self.row["id"], after=decode_cursor("chpledge", after), limit=limit)
        rows, cursors, info_ = keyset_page(rows, limit, "chpledge")
        return PledgeConnection(edges=[PledgeEdge(cursor=c, node=PledgeType(row=r))
                                       for r, c in zip(rows, cursors, strict=True)], page_info=info_)

    @classmethod
    def from_row(cls, row: Any) -> CampaignType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("charity_campaigns", campaigns_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="CharityCampaignEdge", description="A campaign and its cursor.")
class CampaignEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: CampaignType = strawberry.field(description="The campaign.")


@strawberry.type(name="CharityCampaignConnection", description="Campaigns, oldest first.")
class CampaignConnection:
    edges: list[CampaignEdge] = strawberry.field(description="This page's campaigns.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow.")


def campaign_connection(rows: list[Any], limit: int) -> CampaignConnection:
    rows, cursors, info = keyset_page(rows, limit, "chcampaign")
    return CampaignConnection(edges=[CampaignEdge(cursor=c, node=CampaignType.from_row(r))
                                     for r, c in zip(rows, cursors, strict=True)], page_info=info)


# -- inputs ------------------------------------------------------------------------------------------------------


@strawberry.input(name="LaunchCharityCampaignInput", description="Admins and supervisors; 2–20 partners.")
class LaunchCharityCampaignInput:
    title: str = strawberry.field(description="At most 200 characters.")
    partners: list[str] = strawberry.field(description="The partner organisations (2–20, each at most 120).")
    category: NeedCategoryEnum = strawberry.field(description="The field it raises for.")  # type: ignore[valid-type]
    target: str = strawberry.field(description="Yuan, e.g. \"200000.00\" (at most 10,000,000).")
    opens_on: date = strawberry.field(description="First day of pledges.")
    closes_on: date = strawberry.field(description="Last day of pledges (within 366 days of opensOn).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.LaunchCharityCampaign:
        return c.LaunchCharityCampaign(self.title, tuple(self.partners), self.category.value, self.target,
                                       self.opens_on, self.closes_on)


@strawberry.input(name="PledgeToCharityCampaignInput", description="While the campaign is open and within its "
                                                                   "dates.")
class PledgeToCharityCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign.")
    donor_name: str = strawberry.field(description="The donor (at most 120 characters).")
    amount: str = strawberry.field(description="Yuan, more than 0 (at most 10,000,000).")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.PledgeToCharityCampaign:
        return c.PledgeToCharityCampaign(uuid_of(self.campaign_id, "CharityCampaign"), self.donor_name, self.amount)


@strawberry.input(name="RecordCharityReceiptInput", description="At most what the pledge has still to pay; each "
                                                                "receipt number once per campaign.")
class RecordCharityReceiptInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign.")
    pledge_id: strawberry.ID = strawberry.field(description="The pledge (its pledgeId).")
    receipt_number: str = strawberry.field(description="The receipt number (at most 80 characters).")
    amount: str = strawberry.field(description="Yuan received, more than 0.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.RecordCharityReceipt:
        return c.RecordCharityReceipt(uuid_of(self.campaign_id, "CharityCampaign"),
                                      uuid_of(self.pledge_id, "CharityPledge"), self.receipt_number, self.amount)


@strawberry.input(name="CloseCharityCampaignInput", description="Admins and supervisors.")
class CloseCharityCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign.")
    expected_version: int | None = strawberry.field(default=None, description="Optional: the version you read.")
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)

    def to_command(self) -> c.CloseCharityCampaign:
        return c.CloseCharityCampaign(uuid_of(self.campaign_id, "CharityCampaign"), self.expected_version)


@strawberry.type(name="CharityCampaignPayload", description="A campaign's command.")
class CampaignPayload(CommandPayload):
    stream_id: UUID = strawberry.field(description="The campaign's stream.")

    @classmethod
    def of(cls, recorded: Any) -> CampaignPayload:
        return cls(stream_id=recorded.stream_id, **CommandPayload.recorded(recorded))

    @strawberry.field(description="The campaign once the read model shows it.")
    async def campaign(self, info: Info) -> CampaignType | None:
        row = await info.context.read_after(self.position, campaigns_by_ids, self.stream_id)
        return CampaignType.from_row(row) if row else None

    @strawberry.field(description="The pledge this command recorded (pledges only).")
    async def pledge(self, info: Info) -> PledgeType | None:
        await info.context.read_after(self.position, campaigns_by_ids, self.stream_id)
        async with info.context.runtime.read_pool.acquire() as conn:
            row = await pledge_at(conn, self.stream_id, self.position)
        return PledgeType(row=row) if row else None
