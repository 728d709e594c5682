"""GraphQL types of charity matching. A need is served anonymously to every reader: its category, kind,
quantities, district and anonymous summary — the resident (id, name, anything that leads to them) is not in
the type at all, nor is the source case's id. Donors follow their offer's matches to the anonymous outcome."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.domains.charity.values import (
    ConsentBasis,
    MatchStatus,
    NeedCategory,
    NeedSource,
    NeedStatus,
    SupportKind,
)
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import decode_cursor, keyset_page, page_size
from civicledger.projections.charity_matching import (
    matches_by_ids,
    matches_of,
    needs_by_ids,
    offers_by_ids,
    offers_fitting,
)

PAGE = "Page size 1–100 (default 20)."
First = Annotated[int | None, strawberry.argument(description=PAGE)]
After = Annotated[str | None, strawberry.argument(description="The cursor to continue after.")]
NeedCategoryEnum = strawberry.enum(NeedCategory, name="CharityNeedCategory", description="The field of need.")
SupportKindEnum = strawberry.enum(SupportKind, name="CharitySupportKind",
                                  description="MONEY: quantities in yuan; GOODS and SERVICES: in whole units.")
NeedSourceEnum = strawberry.enum(NeedSource, name="CharityNeedSource", description="The program the need comes from.")
NeedStatusEnum = strawberry.enum(NeedStatus, name="CharityNeedStatus", description="OPEN, MET (fulfilled in full) "
                                 "or WITHDRAWN.")
MatchStatusEnum = strawberry.enum(MatchStatus, name="CharityMatchStatus",
                                  description="PROPOSED by the rules, ACCEPTED by a caseworker, FULFILLED, or "
                                              "DECLINED.")
ConsentBasisEnum = strawberry.enum(ConsentBasis, name="CharityConsentBasis",
                                   description="SOURCE: consent recorded by the source program; CONFIRMATION: the "
                                               "resident's confirmation given with the publication.")
describe_enum_values("CharityNeedCategory", {
    "LEFT_BEHIND_CHILDREN": "留守儿童: children left behind by migrant parents.",
    "VAGRANT_AID": "流浪乞讨救助: aid to vagrants and beggars.",
    "MEDICAL_AID": "医疗救助: medical aid.",
    "ELDER_CARE": "Care for older people.",
    "DISABILITY": "Support for people with disabilities.",
    "EDUCATION": "Schooling and education costs.",
    "HARDSHIP": "Hardship in daily living.",
    "OTHER": "Any other need.",
})
describe_enum_values("CharitySupportKind", {
    "MONEY": "Money: quantities in yuan (two places).",
    "GOODS": "Goods: quantities in whole units.",
    "SERVICES": "Services: quantities in whole units (hours, visits, sessions).",
})
describe_enum_values("CharityNeedSource", {
    "LINKAGE": "A linkage need (三社联动).",
    "ASSISTANCE": "A social-assistance case.",
    "CASEWORK": "A social-work case.",
})
describe_enum_values("CharityNeedStatus", {
    "OPEN": "Published, not yet fully met.",
    "MET": "Fulfilled in full.",
    "WITHDRAWN": "Taken down: consent withdrawn, or no longer needed.",
})
describe_enum_values("CharityMatchStatus", {
    "PROPOSED": "Proposed by the matching rules, awaiting a caseworker.",
    "ACCEPTED": "Accepted by a caseworker: the donor is to deliver.",
    "FULFILLED": "Delivered.",
    "DECLINED": "Declined; the offer and the need stay available to other matches.",
})
describe_enum_values("CharityConsentBasis", {
    "SOURCE": "The consent the source program recorded (a linkage need's).",
    "CONFIRMATION": "The resident's confirmation, given with the publication.",
})




def _list(raw: Any) -> list[Any]:
    return list(json.loads(raw) if isinstance(raw, (str, bytes)) else raw or [])


@strawberry.type(name="CharityNeed", description="A resident's need, published anonymously with their consent.")
class CharityNeedType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The program the need comes from (its case is not named).")
    def source_program(self) -> NeedSourceEnum:  # type: ignore[valid-type]
        return NeedSource(self.row["source"])

    @strawberry.field(description="The district the need is in.")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="The field of need.")
    def category(self) -> NeedCategoryEnum:  # type: ignore[valid-type]
        return NeedCategory(self.row["category"])

    @strawberry.field(description="What kind of support is needed.")
    def kind(self) -> SupportKindEnum:  # type: ignore[valid-type]
        return SupportKind(self.row["kind"])

    @strawberry.field(description="How much is needed (yuan, or units).")
    def quantity(self) -> Decimal:
        return self.row["quantity"]  # type: ignore[no-any-return]

    @strawberry.field(description="How much accepted matches have committed.")
    def committed(self) -> Decimal:
        return self.row["committed"]  # type: ignore[no-any-return]

    @strawberry.field(description="How much has been delivered.")
    def fulfilled(self) -> Decimal:
        return self.row["fulfilled"]  # type: ignore[no-any-return]

    @strawberry.field(description="The anonymous summary (no name, ID or phone number; at most 500 characters).")
    def summary(self) -> str:
        return self.row["summary"]  # type: ignore[no-any-return]

    @strawberry.field(description="Needed by this date, if any.")
    def needed_by(self) -> date | None:
        return self.row["needed_by"]  # type: ignore[no-any-return]

    @strawberry.field(description="OPEN, MET or WITHDRAWN.")
    def status(self) -> NeedStatusEnum:  # type: ignore[valid-type]
        return NeedStatus(self.row["status"])

    @strawberry.field(description="On what the publication rests.")
    def consent_basis(self) -> ConsentBasisEnum:  # type: ignore[valid-type]
        return ConsentBasis(self.row["consent_basis"])

    @strawberry.field(description="When it was published (UTC).")
    def published_at(self) -> datetime:
        return self.row["published_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The need stream's version: pass as expectedVersion.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description=f"Offers the rules propose for it: its kind, within their conditions, with "
                                  f"something left. {PAGE}")
    async def candidates(self, info: Info, first: First = 20, after: After = None) -> CharityOfferConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await offers_fitting(conn, self.row, after=decode_cursor("choffer", after), limit=limit)
        return offer_connection(rows, limit)

    @strawberry.field(description=f"Its matches, oldest first. {PAGE}")
    async def matches(self, info: Info, first: First = 20, after: After = None) -> CharityMatchConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await matches_of(conn, need_id=self.row["id"], after=decode_cursor("chmatch", after), limit=limit)
        return match_connection(rows, limit)

    @classmethod
    def from_row(cls, row: Any) -> CharityNeedType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("charity_needs", needs_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="CharityOffer", description="A donor's offer and the conditions the donor set.")
class CharityOfferType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The donor (a company, foundation or person who chose to be named).")
    def donor_name(self) -> str:
        return self.row["donor_name"]  # type: ignore[no-any-return]

    @strawberry.field(description="Money, goods or services.")
    def kind(self) -> SupportKindEnum:  # type: ignore[valid-type]
        return SupportKind(self.row["kind"])

    @strawberry.field(description="How much is offered (yuan, or units).")
    def quantity(self) -> Decimal:
        return self.row["quantity"]  # type: ignore[no-any-return]

    @strawberry.field(description="How much accepted matches have taken.")
    def allocated(self) -> Decimal:
        return self.row["allocated"]  # type: ignore[no-any-return]

    @strawberry.field(description="quantity − allocated.")
    def remaining(self) -> Decimal:
        return self.row["quantity"] - self.row["allocated"]  # type: ignore[no-any-return]

    @strawberry.field(description="What is offered (at most 500 characters).")
    def description(self) -> str:
        return self.row["description"]  # type: ignore[no-any-return]

    @strawberry.field(description="Only needs of these categories (empty: any).")
    def categories(self) -> list[NeedCategoryEnum]:  # type: ignore[valid-type]
        return [NeedCategory(c) for c in _list(self.row["categories"])]

    @strawberry.field(description="Only needs in these districts (empty: any).")
    def districts(self) -> list[str]:
        return [str(d) for d in _list(self.row["districts"])]

    @strawberry.field(description="When it was registered (UTC).")
    def registered_at(self) -> datetime:
        return self.row["registered_at"]  # type: ignore[no-any-return]

    @strawberry.field(description=f"Its matches and their anonymous outcomes, oldest first. {PAGE}")
    async def matches(self, info: Info, first: First = 20, after: After = None) -> CharityMatchConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await matches_of(conn, offer_id=self.row["id"], after=decode_cursor("chmatch", after), limit=limit)
        return match_connection(rows, limit)

    @classmethod
    def from_row(cls, row: Any) -> CharityOfferType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("charity_offers", offers_by_ids).load_many([ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="CharityMatch", description="A need and an offer matched; what donors see of its outcome "
                                                  "is anonymous.")
class CharityMatchType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="How much of the offer goes to the need.")
    def quantity(self) -> Decimal:
        return self.row["quantity"]  # type: ignore[no-any-return]

    @strawberry.field(description="PROPOSED, ACCEPTED, FULFILLED or DECLINED.")
    def status(self) -> MatchStatusEnum:  # type: ignore[valid-type]
        return MatchStatus(self.row["status"])

    @strawberry.field(description="The anonymous outcome, once fulfilled.")
    def outcome(self) -> str | None:
        return self.row["outcome"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was proposed (UTC).")
    def proposed_at(self) -> datetime:
        return self.row["proposed_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="When its fulfilment was confirmed (UTC).")
    def fulfilled_at(self) -> datetime | None:
        return self.row["fulfilled_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The match stream's version: pass as expectedVersion.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description="The need (anonymous).")
    async def need(self, info: Info) -> CharityNeedType | None:
        row = await info.context.loader("charity_needs", needs_by_ids).load(self.row["need_id"])
        return CharityNeedType.from_row(row) if row else None

    @strawberry.field(description="The offer.")
    async def offer(self, info: Info) -> CharityOfferType | None:
        row = await info.context.loader("charity_offers", offers_by_ids).load(self.row["offer_id"])
        return CharityOfferType.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: Any) -> CharityMatchType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("charity_matches", matches_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="CharityNeedEdge", description="A need and its cursor.")
class CharityNeedEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: CharityNeedType = strawberry.field(description="The need.")


@strawberry.type(name="CharityNeedConnection", description="Needs, oldest first.")
class CharityNeedConnection:
    edges: list[CharityNeedEdge] = strawberry.field(description="This page's needs.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow.")


@strawberry.type(name="CharityOfferEdge", description="An offer and its cursor.")
class CharityOfferEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: CharityOfferType = strawberry.field(description="The offer.")


@strawberry.type(name="CharityOfferConnection", description="Offers, oldest first.")
class CharityOfferConnection:
    edges: list[CharityOfferEdge] = strawberry.field(description="This page's offers.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow.")


@strawberry.type(name="CharityMatchEdge", description="A match and its cursor.")
class CharityMatchEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: CharityMatchType = strawberry.field(description="The match.")


@strawberry.type(name="CharityMatchConnection", description="Matches, oldest first.")
class CharityMatchConnection:
    edges: list[CharityMatchEdge] = strawberry.field(description="This page's matches.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more follow.")


def need_connection(rows: list[Any], limit: int) -> CharityNeedConnection:
    rows, cursors, info = keyset_page(rows, limit, "chneed")
    return CharityNeedConnection(edges=[CharityNeedEdge(cursor=c, node=CharityNeedType.from_row(r))
                                        for r, c in zip(rows, cursors, strict=True)], page_info=info)


def offer_connection(rows: list[Any], limit: int) -> CharityOfferConnection:
    rows, cursors, info = keyset_page(rows, limit, "choffer")
    return CharityOfferConnection(edges=[CharityOfferEdge(cursor=c, node=CharityOfferType.from_row(r))
                                         for r, c in zip(rows, cursors, strict=True)], page_info=info)


def match_connection(rows: list[Any], limit: int) -> CharityMatchConnection:
    rows, cursors, info = keyset_page(rows, limit, "chmatch")
    return CharityMatchConnection(edges=[CharityMatchEdge(cursor=c, node=CharityMatchType.from_row(r))
                                         for r, c in zip(rows, cursors, strict=True)], page_info=info)
