"""`timebank_accounts`: one row per volunteer's account — the balance and what made it (earned, redeemed, given,
received). `timebank_ledger`: one row per movement of hours, with the balance after it — the volunteer's
ledger, oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg

from civicledger.domains.timebank.account import TimeAccount
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows
from civicledger.projections.sql import copy_rows

COLUMNS = {
    "id": "uuid", "seq": "bigint", "version": "bigint", "resident_id": "uuid", "district": "text",
    "balance": "numeric", "earned": "numeric", "redeemed": "numeric", "transferred_in": "numeric",
    "transferred_out": "numeric", "opened_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}
LEDGER = ("seq", "account_id", "resident_id", "kind", "hours", "balance_after", "reference_id",
          "counterparty_id", "detail", "occurred_at", "position")
SEQ_PER_EVENT = 4  # a movement's seq: its event's position × 4 (one event, one movement)
ZERO = Decimal("0.00")


class _Batch:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.ledger: list[tuple[Any, ...]] = []

    def move(self, env: Envelope, kind: str, delta: Decimal, reference: Any, counterparty: Any, detail: str,
             column: str) -> None:
        row = self.rows.of(env.stream_id)
        if row is None:
            return
        row.update(balance=row["balance"] + delta, version=env.version, updated_at=env.event.timestamp,
                   position=env.position, **{column: row[column] + abs(delta)})
        self.ledger.append((env.position * SEQ_PER_EVENT, env.stream_id, row["resident_id"], kind, delta,
                            row["balance"], reference, counterparty, detail, env.event.timestamp, env.position))


class TimeBankAccountsProjection(RowProjection):
    """Volunteers' balances now, and every movement of hours that made them."""

    name = "timebank_accounts"
    tables = ("timebank_accounts", "timebank_ledger")
    table = "timebank_accounts"
    columns = COLUMNS

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS timebank_accounts ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS timebank_accounts_resident_idx"
                           " ON timebank_accounts (resident_id)")
        await conn.execute("CREATE INDEX IF NOT EXISTS timebank_accounts_district_idx"
                           " ON timebank_accounts (district, seq)")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS timebank_ledger (seq bigint PRIMARY KEY, account_id uuid NOT NULL,"
            " resident_id uuid NOT NULL, kind text NOT NULL, hours numeric NOT NULL, balance_after numeric NOT NULL,"
            " reference_id uuid, counterparty_id uuid, detail text NOT NULL, occurred_at timestamptz NOT NULL,"
            " position bigint NOT NULL)")
        await conn.execute("CREATE INDEX IF NOT EXISTS timebank_ledger_resident_idx"
                           " ON timebank_ledger (resident_id, seq)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        keys = list(dict.fromkeys(env.stream_id for env in batch))
        state = _Batch(Rows(await self.load(conn, keys)))
        for env in batch:
            self.dispatch(env, state)
        await self.write(conn, state.rows.changed())
        await copy_rows(conn, "timebank_ledger", LEDGER, state.ledger)

    @on(TimeAccount.Opened)
    def _opened(self, state: _Batch, env: Envelope, e: TimeAccount.Opened) -> None:
        state.rows.new(env.stream_id, id=env.stream_id, seq=env.position, version=env.version,
                       resident_id=e.resident_id, district=e.district, balance=ZERO, earned=ZERO, redeemed=ZERO,
                       transferred_in=ZERO, transferred_out=ZERO, opened_at=e.timestamp, updated_at=e.timestamp,
                       position=env.position)

    @on(TimeAccount.HoursCredited)
    def _credited(self, state: _Batch, env: Envelope, e: TimeAccount.HoursCredited) -> None:
        state.move(env, "EARNED", e.hours, e.record_id, None, e.organiser_name, "earned")

    @on(TimeAccount.HoursRedeemed)
    def _redeemed(self, state: _Batch, env: Envelope, e: TimeAccount.HoursRedeemed) -> None:
        state.move(env, "REDEEMED", -e.hours, e.redemption_id, None, f"{e.service} ({e.provider})", "redeemed")

    @on(TimeAccount.HoursTransferredOut)
    def _given(self, state: _Batch, env: Envelope, e: TimeAccount.HoursTransferredOut) -> None:
        state.move(env, "TRANSFERRED_OUT", -e.hours, e.household_id, e.to_resident_id, "to a household member",
                   "transferred_out")

    @on(TimeAccount.HoursTransferredIn)
    def _received(self, state: _Batch, env: Envelope, e: TimeAccount.HoursTransferredIn) -> None:
        state.move(env, "TRANSFERRED_IN", e.hours, e.household_id, e.from_resident_id, "from a household member",
                   "transferred_in")


async def accounts_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM timebank_accounts WHERE id = ANY($1)", list(ids))


async def account_of(conn: asyncpg.Connection, resident_id: Any) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM timebank_accounts WHERE resident_id = $1", resident_id)


async def search_accounts(conn: asyncpg.Connection, *, district: str | None = None, after: int | None = None,
                          limit: int = 20) -> list[asyncpg.Record]:
    """Accounts (of a district) in the order they were opened; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM timebank_accounts WHERE ($1::text IS NULL OR district = $1) AND seq > $2 ORDER BY seq"
        " LIMIT $3", district, after or 0, limit + 1)


async def ledger_of(conn: asyncpg.Connection, resident_id: Any, *, after: int | None = None, limit: int = 20
                    ) -> list[asyncpg.Record]:
    """A volunteer's movements of hours, oldest first; `limit + 1` rows."""
    return await conn.fetch(
        "SELECT * FROM timebank_ledger WHERE resident_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        resident_id, after or 0, limit + 1)
