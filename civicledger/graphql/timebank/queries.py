"""Time-bank queries: a volunteer's account (balance) and ledger, accounts of a district, service records."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from civicledger.core import text
from civicledger.core.guangzhou import parse_district
from civicledger.graphql.permissions import CanRead
from civicledger.graphql.relay import decode_cursor, keyset_page, page_size, uuid_of
from civicledger.graphql.timebank.inputs import ServiceRecordFilter
from civicledger.graphql.timebank.types import (
    PAGE,
    LedgerConnection,
    ServiceRecordConnection,
    ServiceRecordEdge,
    ServiceRecordType,
    TimeBankAccountConnection,
    TimeBankAccountEdge,
    TimeBankAccountType,
    ledger_page,
)
from civicledger.projections.timebank_accounts import account_of, search_accounts
from civicledger.projections.timebank_records import search_records


def _district(raw: str | None) -> str | None:
    return parse_district(raw).value if raw else None


@strawberry.type
class TimeBankQueries:
    @strawberry.field(permission_classes=[CanRead], description="A volunteer's time account (null: no verified "
                                                                "hours yet).")
    async def time_bank_account(
            self, info: Info,
            resident_id: Annotated[strawberry.ID, strawberry.argument(description="The volunteer's resident id.")]
    ) -> TimeBankAccountType | None:
        key = uuid_of(resident_id, "Resident")
        async with info.context.runtime.read_pool.acquire() as conn:
            row = await account_of(conn, key)
        return TimeBankAccountType.from_row(row) if row else None

    @strawberry.field(permission_classes=[CanRead], description=f"Volunteers' balances, in the order their "
                                                                f"accounts were opened. {PAGE}")
    async def time_bank_accounts(
            self, info: Info,
            district: Annotated[str | None, strawberry.argument(description="District code or name.")] = None,
            first: Annotated[int | None, strawberry.argument(description=PAGE)] = 20,
            after: Annotated[str | None, strawberry.argument(description="The cursor to continue after.")] = None
    ) -> TimeBankAccountConnection:
        limit = page_size(first)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_accounts(conn, district=_district(district), after=decode_cursor("tbaccount", after),
                                         limit=limit)
        rows, cursors, page = keyset_page(rows, limit, "tbaccount")
        return TimeBankAccountConnection(edges=[TimeBankAccountEdge(cursor=c, node=TimeBankAccountType.from_row(r))
                                                for r, c in zip(rows, cursors, strict=True)], page_info=page)

    @strawberry.field(permission_classes=[CanRead], description=f"A volunteer's ledger: every movement of hours, "
                                                                f"oldest first. {PAGE}")
    async def time_bank_ledger(
            self, info: Info,
            resident_id: Annotated[strawberry.ID, strawberry.argument(description="The volunteer's resident id.")],
            first: Annotated[int | None, strawberry.argument(description=PAGE)] = 20,
            after: Annotated[str | None, strawberry.argument(description="The cursor to continue after.")] = None
    ) -> LedgerConnection:
        return await ledger_page(info, uuid_of(resident_id, "Resident"), first, after)

    @strawberry.field(permission_classes=[CanRead], description=f"Volunteer service records, oldest first. {PAGE}")
    async def volunteer_service_records(
            self, info: Info,
            filter: Annotated[ServiceRecordFilter | None, strawberry.argument(description="What to list.")] = None,
            first: Annotated[int | None, strawberry.argument(description=PAGE)] = 20,
            after: Annotated[str | None, strawberry.argument(description="The cursor to continue after.")] = None
    ) -> ServiceRecordConnection:
        f = filter or ServiceRecordFilter()
        limit = page_size(first)
        office = text.optional_line(f.organiser_office, "organiserOffice", max_length=text.IDENTIFIER_MAX)
        async with info.context.runtime.read_pool.acquire() as conn:
            rows = await search_records(
                conn, resident_id=uuid_of(f.resident_id, "Resident") if f.resident_id else None,
                organiser_office=office, status=f.status.value if f.status else None,
                district=_district(f.district), after=decode_cursor("tbrecord", after), limit=limit)
        rows, cursors, page = keyset_page(rows, limit, "tbrecord")
        return ServiceRecordConnection(edges=[ServiceRecordEdge(cursor=c, node=ServiceRecordType.from_row(r))
                                              for r, c in zip(rows, cursors, strict=True)], page_info=page)
