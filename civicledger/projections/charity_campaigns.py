"""`charity_campaigns`: one row per joint fundraising campaign (target, pledged, received); `charity_pledges`: one
row per pledge, with what its receipts have paid."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from civicledger.domains.charity.campaign import CharityCampaign
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

ZERO = Decimal("0.00")
CAMPAIGN_COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "title": "text", "partners": "jsonb", "category": "text",
    "target": "numeric", "pledged": "numeric", "received": "numeric", "pledges": "int", "opens_on": "date",
    "closes_on": "date", "open": "boolean", "launched_at": "timestamptz", "updated_at": "timestamptz",
    "position": "bigint",
}
PLEDGE_COLUMNS = {
    "id": "uuid", "seq": "bigint", "campaign_id": "uuid", "donor_name": "text", "amount": "numeric",
    "paid": "numeric", "receipts": "jsonb", "pledged_at": "timestamptz", "position": "bigint",
}


class CharityCampaignsProjection(RowProjection):
    """Campaigns and their totals as they stand now."""

    name = "charity_campaigns"
    tables = ("charity_campaigns",)
    table = "charity_campaigns"
    columns = CAMPAIGN_COLUMNS
    json_columns = ("partners",)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in CAMPAIGN_COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS charity_campaigns ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS charity_campaigns_seq_idx ON charity_campaigns (seq)")

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> dict[str, Any] | None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)
        return row

    @on(CharityCampaign.Launched)
    def _launched(self, rows: Rows, env: Envelope, e: CharityCampaign.Launched) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, title=e.title, partners=list(e.partners),
                 category=e.category.value, target=e.target, pledged=ZERO, received=ZERO, pledges=0,
                 opens_on=e.opens_on, closes_on=e.closes_on, open=True, launched_at=e.timestamp)
        self._changed(rows, env)

    @on(CharityCampaign.Pledged)
    def _pledged(self, rows: Rows, env: Envelope, e: CharityCampaign.Pledged) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            self._changed(rows, env, pledged=row["pledged"] + e.amount, pledges=row["pledges"] + 1)

    @on(CharityCampaign.Receipted)
    def _receipted(self, rows: Rows, env: Envelope, e: CharityCampaign.Receipted) -> None:
        row = rows.peek(env.stream_id)
        if row is not None:
            self._changed(rows, env, received=row["received"] + e.amount)

    @on(CharityCampaign.Closed)
    def _closed(self, rows: Rows, env: Envelope, e: CharityCampaign.Closed) -> None:
        self._changed(rows, env, open=False)


class CharityPledgesProjection(RowProjection):
    """Pledges and what their receipts have paid."""

    name = "charity_pledges"
    tables = ("charity_pledges",)
    table = "charity_pledges"
    columns = PLEDGE_COLUMNS
    json_columns = ("receipts",)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in PLEDGE_COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS charity_pledges ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS charity_pledges_seq_idx ON charity_pledges (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS charity_pledges_campaign_idx"
                           " ON charity_pledges (campaign_id, seq)")

    def keys_of(self, env: Envelope) -> Iterable[Any]:
        return (env.event.pledge_id,)

    @on(CharityCampaign.Pledged)
    def _pledged(self, rows: Rows, env: Envelope, e: CharityCampaign.Pledged) -> None:
        rows.new(e.pledge_id, id=e.pledge_id, seq=env.position, campaign_id=env.stream_id, donor_name=e.donor_name,
                 amount=e.amount, paid=ZERO, receipts=[], pledged_at=e.timestamp, position=env.position)

    @on(CharityCampaign.Receipted)
    def _receipted(self, rows: Rows, env: Envelope, e: CharityCampaign.Receipted) -> None:
        row = rows.of(e.pledge_id)
        if row is not None:
            row.update(paid=row["paid"] + e.amount, receipts=[*row["receipts"], {
                "number": e.receipt_number, "amount": str(e.amount), "at": e.timestamp.isoformat()}])


async def campaigns_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_campaigns WHERE id = ANY($1)", list(ids))


async def search_campaigns(conn: asyncpg.Connection, *, open_only: bool = False, after: int | None = None,
                           limit: int = 20) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_campaigns WHERE (NOT $1 OR open) AND seq > $2 ORDER BY seq"
                            " LIMIT $3", open_only, after or 0, limit + 1)


async def pledges_of(conn: asyncpg.Connection, campaign_id: Any, *, after: int | None = None, limit: int = 20
                     ) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_pledges WHERE campaign_id = $1 AND seq > $2 ORDER BY seq"
                            " LIMIT $3", campaign_id, after or 0, limit + 1)


async def pledge_at(conn: asyncpg.Connection, campaign_id: Any, position: int) -> asyncpg.Record | None:
    """The pledge one command recorded (its event's position)."""
    return await conn.fetchrow("SELECT * FROM charity_pledges WHERE campaign_id = $1 AND position = $2",
                               campaign_id, position)


async def pledges_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM charity_pledges WHERE id = ANY($1)", list(ids))
