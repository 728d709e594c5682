"""`meal_settlement_lines`: every line of every canteen's monthly settlement (original and corrections) — the
finance office's view by payer (the city, each district, each street, each charity fund) and each canteen's
settlement ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.meals.settlement import CanteenSettlement
from civicledger.projections.base import Envelope, Projection, on
from civicledger.projections.sql import copy_rows

SEQ_PER_EVENT = 100
HEAD_COLUMNS = ("id", "canteen_id", "canteen_name", "district", "street", "month")
COLUMNS = ("seq", "settlement_id", "canteen_id", "canteen_name", "district", "street", "month", "run", "payer",
           "payer_code", "amount", "meals", "kind", "settled_at", "settled_by", "position")


class MealSettlementProjection(Projection):
    """Settlement lines, append-only."""

    name = "meal_settlement"
    tables = ("meal_settlement_lines", "meal_settlements")

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meal_settlements (id uuid PRIMARY KEY, canteen_id uuid NOT NULL,"
            " canteen_name text NOT NULL, district text NOT NULL, street text NOT NULL, month date NOT NULL)")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meal_settlement_lines (seq bigint PRIMARY KEY, settlement_id uuid NOT NULL,"
            " canteen_id uuid NOT NULL, canteen_name text NOT NULL, district text NOT NULL, street text NOT NULL,"
            " month date NOT NULL, run int NOT NULL, payer text NOT NULL, payer_code text NOT NULL,"
            " amount numeric NOT NULL, meals int NOT NULL, kind text NOT NULL, settled_at timestamptz NOT NULL,"
            " settled_by text, position bigint NOT NULL)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meal_settlement_lines_month_idx"
                           " ON meal_settlement_lines (month, payer, payer_code)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meal_settlement_lines_canteen_idx"
                           " ON meal_settlement_lines (canteen_id, month, seq)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        heads: dict[Any, dict[str, Any]] = {r["id"]: dict(r) for r in await conn.fetch(
            "SELECT * FROM meal_settlements WHERE id = ANY($1)", list({env.stream_id for env in batch}))}
        out = _Batch(heads)
        for env in batch:
            self.dispatch(env, out)
        await copy_rows(conn, "meal_settlements", HEAD_COLUMNS, [tuple(h[c] for c in HEAD_COLUMNS) for h in out.new])
        await copy_rows(conn, "meal_settlement_lines", COLUMNS, out.lines)

    @on(CanteenSettlement.Opened)
    def _opened(self, out: _Batch, env: Envelope, e: CanteenSettlement.Opened) -> None:
        head = {"id": env.stream_id, "canteen_id": e.canteen_id, "canteen_name": e.canteen_name,
                "district": e.district, "street": e.street, "month": e.month}
        out.heads[env.stream_id] = head
        out.new.append(head)

    @on(CanteenSettlement.Settled)
    def _settled(self, out: _Batch, env: Envelope, e: CanteenSettlement.Settled) -> None:
        h = out.heads.get(env.stream_id)
        if h is None:
            return
        for i, line in enumerate(e.lines):
            out.lines.append((env.position * SEQ_PER_EVENT + i, env.stream_id, h["canteen_id"], h["canteen_name"],
                              h["district"], h["street"], h["month"], e.run, line.payer.value, line.payer_code,
                              line.amount, line.meals, line.kind.value, e.timestamp, env.actor_id, env.position))


class _Batch:
    def __init__(self, heads: dict[Any, dict[str, Any]]) -> None:
        self.heads = heads
        self.new: list[dict[str, Any]] = []
        self.lines: list[tuple[Any, ...]] = []


async def totals_by_payer(conn: asyncpg.Connection, month: date, *, payer: str | None = None,
                          district: str | None = None) -> list[asyncpg.Record]:
    """One month's settlement per payer: what it paid in all (originals and corrections), over how many meals
    and canteens."""
    return await conn.fetch(
        "SELECT payer, payer_code, sum(amount) AS amount, sum(amount) FILTER (WHERE kind = 'ORIGINAL') AS original,"
        " coalesce(sum(amount) FILTER (WHERE kind = 'CORRECTION'), 0) AS corrections, sum(meals) AS meals,"
        " count(DISTINCT canteen_id) AS canteens FROM meal_settlement_lines WHERE month = $1"
        " AND ($2::text IS NULL OR payer = $2) AND ($3::text IS NULL OR district = $3)"
        " GROUP BY payer, payer_code ORDER BY array_position(ARRAY['CITY','DISTRICT','STREET','CHARITY'], payer),"
        " payer_code", month, payer, district)


async def settlement_lines(conn: asyncpg.Connection, month: date, *, canteen_id: Any = None, payer: str | None = None,
                           district: str | None = None, after: int | None = None, limit: int = 50
                           ) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM meal_settlement_lines WHERE month = $1 AND ($2::uuid IS NULL OR canteen_id = $2)"
        " AND ($3::text IS NULL OR payer = $3) AND ($4::text IS NULL OR district = $4) AND seq > $5"
        " ORDER BY seq LIMIT $6", month, canteen_id, payer, district, after or 0, limit + 1)
