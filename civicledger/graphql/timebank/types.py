"""GraphQL types of the volunteer time bank: accounts (balances) with their paginated ledger, service records,
and the keyset page shared by the program's connections. Hours are decimals in quarter hours."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from civicledger.core.ascii import ascii_uuid
from civicledger.domains.timebank.rules import RecordStatus, ServiceCategory
from civicledger.graphql.conventions import describe_enum_values
from civicledger.graphql.relay import decode_cursor, keyset_page, page_size
from civicledger.graphql.residents.types import ResidentType
from civicledger.projections.timebank_accounts import accounts_by_ids, ledger_of
from civicledger.projections.timebank_records import records_by_ids

PAGE = "Page size 1–100 (default 20)."
First = Annotated[int | None, strawberry.argument(description=PAGE)]
After = Annotated[str | None, strawberry.argument(description="The cursor to continue after.")]


class LedgerKind(str, Enum):
    EARNED = "EARNED"
    REDEEMED = "REDEEMED"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    TRANSFERRED_IN = "TRANSFERRED_IN"


ServiceCategoryEnum = strawberry.enum(ServiceCategory, name="VolunteerServiceCategory",
                                      description="What kind of service the volunteer gave.")
RecordStatusEnum = strawberry.enum(RecordStatus, name="VolunteerServiceStatus",
                                   description="PENDING until the organising party verifies (hours banked) or "
                                               "rejects it.")
LedgerKindEnum = strawberry.enum(LedgerKind, name="TimeBankLedgerKind",
                                 description="EARNED: verified service; REDEEMED: hours spent on a service; "
                                             "TRANSFERRED_OUT / _IN: given to or received from a household member.")
describe_enum_values("VolunteerServiceCategory", {
    "ELDER_CARE": "助老: help for older people.",
    "CHILD_CARE": "助幼: care for children, left-behind children among them.",
    "DISABILITY_SUPPORT": "助残: help for people with disabilities.",
    "COMMUNITY_AFFAIRS": "社区事务: community affairs.",
    "MEDICAL_ESCORT": "陪诊: accompanying a resident to medical appointments.",
    "EDUCATION": "教育辅导: tutoring and education.",
    "ENVIRONMENT": "环保: environmental work.",
    "OTHER": "Any other volunteer service.",
})
describe_enum_values("VolunteerServiceStatus", {
    "PENDING": "Recorded, awaiting the organising party's verification: no hours banked yet.",
    "VERIFIED": "Verified: its hours are banked on the volunteer's account.",
    "REJECTED": "Rejected by the organising party: no hours banked.",
})
describe_enum_values("TimeBankLedgerKind", {
    "EARNED": "Hours banked for verified service.",
    "REDEEMED": "Hours spent on a service received.",
    "TRANSFERRED_OUT": "Hours given to a household member.",
    "TRANSFERRED_IN": "Hours received from a household member.",
})




@strawberry.type(name="TimeBankLedgerEntry", description="One movement of hours on a volunteer's account.")
class LedgerEntryType:
    row: strawberry.Private[Any]

    @strawberry.field(description="What moved the hours.")
    def kind(self) -> LedgerKindEnum:  # type: ignore[valid-type]
        return LedgerKind(self.row["kind"])

    @strawberry.field(description="Hours, signed: positive in, negative out.")
    def hours(self) -> Decimal:
        return self.row["hours"]  # type: ignore[no-any-return]

    @strawberry.field(description="The balance after this movement (never negative).")
    def balance_after(self) -> Decimal:
        return self.row["balance_after"]  # type: ignore[no-any-return]

    @strawberry.field(description="The service record (EARNED), the redemption (REDEEMED) or the household "
                                  "(transfers).")
    def reference_id(self) -> UUID | None:
        return self.row["reference_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The other household member's resident id (transfers only).")
    def counterparty_resident_id(self) -> UUID | None:
        return self.row["counterparty_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The organiser (EARNED) or the service and its provider (REDEEMED).")
    def detail(self) -> str:
        return self.row["detail"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was recorded (UTC).")
    def occurred_at(self) -> datetime:
        return self.row["occurred_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The global log position of the event.")
    def position(self) -> int:
        return self.row["position"]  # type: ignore[no-any-return]


@strawberry.type(name="TimeBankLedgerEdge", description="A ledger entry and its cursor.")
class LedgerEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: LedgerEntryType = strawberry.field(description="The entry.")


@strawberry.type(name="TimeBankLedgerConnection", description="A volunteer's ledger, oldest first.")
class LedgerConnection:
    edges: list[LedgerEdge] = strawberry.field(description="This page's entries.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more entries follow.")


async def ledger_page(info: Info, resident_id: UUID, first: int | None, after: str | None) -> LedgerConnection:
    limit = page_size(first)
    async with info.context.runtime.read_pool.acquire() as conn:
        rows = await ledger_of(conn, resident_id, after=decode_cursor("tbledger", after), limit=limit)
    rows, cursors, page = keyset_page(rows, limit, "tbledger")
    return LedgerConnection(edges=[LedgerEdge(cursor=c, node=LedgerEntryType(row=r))
                                   for r, c in zip(rows, cursors, strict=True)], page_info=page)


@strawberry.type(name="TimeBankAccount", description="A volunteer's time account: hours banked from verified "
                                                     "service, less redemptions and transfers.")
class TimeBankAccountType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The volunteer's resident id.")
    def resident_id(self) -> UUID:
        return self.row["resident_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The volunteer (name, ID number, phone and address masked by role); their "
                                  "timeline shows the time bank's entries.")
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.row["resident_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="The volunteer's district when the account was opened.")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours available now (never negative).")
    def balance(self) -> Decimal:
        return self.row["balance"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours earned from verified service, in all.")
    def earned(self) -> Decimal:
        return self.row["earned"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours redeemed for services, in all.")
    def redeemed(self) -> Decimal:
        return self.row["redeemed"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours received from household members, in all.")
    def transferred_in(self) -> Decimal:
        return self.row["transferred_in"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours given to household members, in all.")
    def transferred_out(self) -> Decimal:
        return self.row["transferred_out"]  # type: ignore[no-any-return]

    @strawberry.field(description="The account stream's version: pass as expectedVersion.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @strawberry.field(description="When the first hours were banked (UTC).")
    def opened_at(self) -> datetime:
        return self.row["opened_at"]  # type: ignore[no-any-return]

    @strawberry.field(description=f"Every movement of hours, oldest first. {PAGE}")
    async def ledger(self, info: Info, first: First = 20, after: After = None) -> LedgerConnection:
        return await ledger_page(info, self.row["resident_id"], first, after)

    @classmethod
    def from_row(cls, row: Any) -> TimeBankAccountType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("timebank_accounts", accounts_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="TimeBankAccountEdge", description="An account and its cursor.")
class TimeBankAccountEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: TimeBankAccountType = strawberry.field(description="The account.")


@strawberry.type(name="TimeBankAccountConnection", description="Accounts in the order they were opened.")
class TimeBankAccountConnection:
    edges: list[TimeBankAccountEdge] = strawberry.field(description="This page's accounts.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more accounts follow.")


@strawberry.type(name="VolunteerServiceRecord", description="A volunteer's service, verified (hours banked) or "
                                                            "rejected by the organising party.")
class ServiceRecordType(relay.Node):
    uid: relay.NodeID[str]
    row: strawberry.Private[Any]

    @strawberry.field(description="The record's stream id.")
    def record_id(self) -> UUID:
        return self.row["id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The volunteer's resident id.")
    def resident_id(self) -> UUID:
        return self.row["resident_id"]  # type: ignore[no-any-return]

    @strawberry.field(description="The volunteer (personal data masked by role).")
    async def resident(self, info: Info) -> ResidentType | None:
        row = await info.context.loaders.resident.load(self.row["resident_id"])
        return ResidentType.from_row(row) if row else None

    @strawberry.field(description="The volunteer's district.")
    def district(self) -> str:
        return self.row["district"]  # type: ignore[no-any-return]

    @strawberry.field(description="The organising party's office code: only its principals verify or reject.")
    def organiser_office(self) -> str:
        return self.row["organiser_office"]  # type: ignore[no-any-return]

    @strawberry.field(description="The organising party's name.")
    def organiser_name(self) -> str:
        return self.row["organiser_name"]  # type: ignore[no-any-return]

    @strawberry.field(description="The kind of service.")
    def category(self) -> ServiceCategoryEnum:  # type: ignore[valid-type]
        return ServiceCategory(self.row["category"])

    @strawberry.field(description="The day of service (Asia/Shanghai).")
    def served_on(self) -> date:
        return self.row["served_on"]  # type: ignore[no-any-return]

    @strawberry.field(description="Hours of service (quarter hours, at most 12).")
    def hours(self) -> Decimal:
        return self.row["hours"]  # type: ignore[no-any-return]

    @strawberry.field(description="What was done (at most 500 characters).")
    def description(self) -> str:
        return self.row["description"]  # type: ignore[no-any-return]

    @strawberry.field(description="PENDING, VERIFIED or REJECTED.")
    def status(self) -> RecordStatusEnum:  # type: ignore[valid-type]
        return RecordStatus(self.row["status"])

    @strawberry.field(description="Who recorded it.")
    def recorded_by(self) -> str:
        return self.row["recorded_by"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was recorded (UTC).")
    def recorded_at(self) -> datetime:
        return self.row["recorded_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="Who verified or rejected it.")
    def decided_by(self) -> str | None:
        return self.row["decided_by"]  # type: ignore[no-any-return]

    @strawberry.field(description="When it was verified or rejected (UTC).")
    def decided_at(self) -> datetime | None:
        return self.row["decided_at"]  # type: ignore[no-any-return]

    @strawberry.field(description="The record stream's version: pass as expectedVersion.")
    def version(self) -> int:
        return self.row["version"]  # type: ignore[no-any-return]

    @classmethod
    def from_row(cls, row: Any) -> ServiceRecordType:
        return cls(uid=str(row["id"]), row=row)

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str], required: bool = False) -> list[Any]:
        rows = await info.context.loader("timebank_records", records_by_ids).load_many(
            [ascii_uuid(i) for i in node_ids])
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.type(name="VolunteerServiceRecordEdge", description="A service record and its cursor.")
class ServiceRecordEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the next page.")
    node: ServiceRecordType = strawberry.field(description="The record.")


@strawberry.type(name="VolunteerServiceRecordConnection", description="Service records, oldest first.")
class ServiceRecordConnection:
    edges: list[ServiceRecordEdge] = strawberry.field(description="This page's records.")
    page_info: relay.PageInfo = strawberry.field(description="Whether more records follow.")
