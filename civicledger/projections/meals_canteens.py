"""`meal_canteens`: one row per canteen or delivery point — the canteen list and screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from civicledger.domains.meals.canteen import Canteen
from civicledger.projections.base import Envelope, on
from civicledger.projections.rows import RowProjection, Rows

COLUMNS = {
    "id": "uuid", "version": "bigint", "seq": "bigint", "name": "text", "kind": "text", "operator_type": "text",
    "operator_name": "text", "district": "text", "street": "text", "capacity": "int", "opening_days": "jsonb",
    "office": "text", "kitchen_id": "uuid", "charity_fund": "text", "status": "text",
    "registered_at": "timestamptz", "updated_at": "timestamptz", "position": "bigint",
}


class MealCanteensProjection(RowProjection):
    """Canteens and delivery points as they stand now."""

    name = "meal_canteens"
    tables = ("meal_canteens",)
    table = "meal_canteens"
    columns = COLUMNS
    json_columns = ("opening_days",)

    async def create(self, conn: asyncpg.Connection) -> None:
        ddl = ", ".join(f"{n} {t}" + (" PRIMARY KEY" if n == "id" else "") for n, t in COLUMNS.items())
        await conn.execute(f"CREATE TABLE IF NOT EXISTS meal_canteens ({ddl})")
        await conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS meal_canteens_seq_idx ON meal_canteens (seq)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meal_canteens_district_idx ON meal_canteens (district, seq)")

    @on(Canteen.Registered)
    def _registered(self, rows: Rows, env: Envelope, e: Canteen.Registered) -> None:
        rows.new(env.stream_id, id=env.stream_id, seq=env.position, name=e.name, kind=e.kind.value,
                 operator_type=e.operator_type.value, operator_name=e.operator_name, district=e.district,
                 street=e.street, capacity=e.capacity, opening_days=list(e.opening_days), office=e.office,
                 kitchen_id=e.kitchen_id, charity_fund=e.charity_fund, status="OPEN", registered_at=e.timestamp)
        self._changed(rows, env)

    @on(Canteen.Closed)
    def _closed(self, rows: Rows, env: Envelope, e: Canteen.Closed) -> None:
        self._changed(rows, env, status="CLOSED")

    @on(Canteen.Reopened)
    def _reopened(self, rows: Rows, env: Envelope, e: Canteen.Reopened) -> None:
        self._changed(rows, env, status="OPEN")

    @staticmethod
    def _changed(rows: Rows, env: Envelope, **values: Any) -> None:
        row = rows.of(env.stream_id)
        if row is not None:
            row.update(version=env.version, updated_at=env.event.timestamp, position=env.position, **values)


async def canteens_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM meal_canteens WHERE id = ANY($1)", list(ids))


async def canteen_ids(conn: asyncpg.Connection, district: str | None) -> list[Any]:
    """Every canteen (of a district), for a settlement run."""
    return [r["id"] for r in await conn.fetch(
        "SELECT id FROM meal_canteens WHERE ($1::text IS NULL OR district = $1) ORDER BY seq", district)]


async def search_canteens(conn: asyncpg.Connection, *, district: str | None = None, kind: str | None = None,
                          status: str | None = None, after: int | None = None, limit: int = 50
                          ) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM meal_canteens WHERE ($1::text IS NULL OR district = $1) AND ($2::text IS NULL OR kind = $2)"
        " AND ($3::text IS NULL OR status = $3) AND seq > $4 ORDER BY seq LIMIT $5",
        district, kind, status, after or 0, limit + 1)
