"""`meal_traceability`: supplier batches, production runs (with the batches they cooked from), recall notices
to canteens and recall follow-ups per elder — with `meals_served`, the chain from a batch to every elder who
ate from it and from a meal back to its suppliers. A follow-up's note is personal data (scrubbed on erasure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.domains.meals.enrolment import MealEnrolment
from civicledger.domains.meals.traceability import ProductionRun, SupplierBatch
from civicledger.projections.base import Envelope, PersonalColumns, Projection, on
from civicledger.projections.sql import copy_rows

BATCH_COLUMNS = ("id", "seq", "canteen_id", "district", "supplier", "supplier_licence", "product", "quantity",
                 "unit", "received_on", "expires_on", "received_at", "position")
RUN_COLUMNS = ("id", "seq", "canteen_id", "district", "cooked_on", "dish", "portions", "batch_ids", "recorded_at",
               "position")
NOTICE_COLUMNS = ("batch_id", "canteen_id", "notified_on", "position")
FOLLOW_UP_COLUMNS = ("batch_id", "resident_id", "position", "outcome", "note", "followed_up_on", "actor_id",
                     "actor_office")
DDL = (
    "CREATE TABLE IF NOT EXISTS meal_supplier_batches (id uuid PRIMARY KEY, seq bigint NOT NULL,"
    " canteen_id uuid NOT NULL, district text NOT NULL, supplier text NOT NULL, supplier_licence text,"
    " product text NOT NULL, quantity numeric NOT NULL, unit text NOT NULL, received_on date NOT NULL,"
    " expires_on date NOT NULL, recalled_on date, hazard text, recall_reason text, recalled_by text,"
    " received_at timestamptz NOT NULL, position bigint NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS meal_supplier_batches_seq_idx ON meal_supplier_batches (seq)",
    "CREATE INDEX IF NOT EXISTS meal_supplier_batches_canteen_idx ON meal_supplier_batches (canteen_id, seq)",
    "CREATE TABLE IF NOT EXISTS meal_production_runs (id uuid PRIMARY KEY, seq bigint NOT NULL,"
    " canteen_id uuid NOT NULL, district text NOT NULL, cooked_on date NOT NULL, dish text NOT NULL,"
    " portions int NOT NULL, batch_ids uuid[] NOT NULL, recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS meal_production_runs_seq_idx ON meal_production_runs (seq)",
    "CREATE INDEX IF NOT EXISTS meal_production_runs_batches_idx ON meal_production_runs USING gin (batch_ids)",
    "CREATE INDEX IF NOT EXISTS meal_production_runs_canteen_idx ON meal_production_runs (canteen_id, cooked_on)",
    "CREATE TABLE IF NOT EXISTS meal_recall_notices (batch_id uuid NOT NULL, canteen_id uuid NOT NULL,"
    " notified_on date NOT NULL, position bigint NOT NULL, PRIMARY KEY (batch_id, canteen_id))",
    "CREATE TABLE IF NOT EXISTS meal_recall_follow_ups (batch_id uuid NOT NULL, resident_id uuid NOT NULL,"
    " position bigint NOT NULL, outcome text NOT NULL, note text, followed_up_on date NOT NULL, actor_id text,"
    " actor_office text, PRIMARY KEY (batch_id, resident_id, position))",
)


class MealTraceabilityProjection(Projection):
    """Batches, runs, recall notices and follow-ups."""

    name = "meal_traceability"
    tables = ("meal_supplier_batches", "meal_production_runs", "meal_recall_notices", "meal_recall_follow_ups")
    personal_columns = (PersonalColumns("meal_recall_follow_ups", resident_column="resident_id", columns=("note",)),)

    async def create(self, conn: asyncpg.Connection) -> None:
        for ddl in DDL:
            await conn.execute(ddl)

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        out = _Rows()
        for env in batch:
            self.dispatch(env, out)
        await copy_rows(conn, "meal_supplier_batches", BATCH_COLUMNS, out.batches)
        await copy_rows(conn, "meal_production_runs", RUN_COLUMNS, out.runs)
        if out.recalls:
            await conn.executemany("UPDATE meal_supplier_batches SET recalled_on = $2, hazard = $3, recall_reason = $4,"
                                   " recalled_by = $5, position = $6 WHERE id = $1", out.recalls)
        await copy_rows(conn, "meal_recall_notices", NOTICE_COLUMNS, out.notices)
        await copy_rows(conn, "meal_recall_follow_ups", FOLLOW_UP_COLUMNS, out.follow_ups)

    @on(SupplierBatch.Received)
    def _received(self, out: _Rows, env: Envelope, e: SupplierBatch.Received) -> None:
        out.batches.append((env.stream_id, env.position, e.canteen_id, e.district, e.supplier, e.supplier_licence,
                            e.product, e.quantity, e.unit.value, e.received_on, e.expires_on, e.timestamp,
                            env.position))

    @on(SupplierBatch.Recalled)
    def _recalled(self, out: _Rows, env: Envelope, e: SupplierBatch.Recalled) -> None:
        out.recalls.append((env.stream_id, e.recalled_on, e.hazard, env.reason, env.actor_id, env.position))

    @on(SupplierBatch.CanteenNotified)
    def _notified(self, out: _Rows, env: Envelope, e: SupplierBatch.CanteenNotified) -> None:
        out.notices.append((env.stream_id, e.canteen_id, e.notified_on, env.position))

    @on(ProductionRun.Cooked)
    def _cooked(self, out: _Rows, env: Envelope, e: ProductionRun.Cooked) -> None:
        out.runs.append((env.stream_id, env.position, e.canteen_id, e.district, e.cooked_on, e.dish, e.portions,
                         list(e.batch_ids), e.timestamp, env.position))

    @on(MealEnrolment.RecallFollowUpRecorded)
    def _followed_up(self, out: _Rows, env: Envelope, e: MealEnrolment.RecallFollowUpRecorded) -> None:
        out.follow_ups.append((e.batch_id, e.resident_id, env.position, e.outcome.value, e.note, e.followed_up_on,
                               env.actor_id, env.actor_office))


class _Rows:
    def __init__(self) -> None:
        self.batches: list[tuple[Any, ...]] = []
        self.runs: list[tuple[Any, ...]] = []
        self.recalls: list[tuple[Any, ...]] = []
        self.notices: list[tuple[Any, ...]] = []
        self.follow_ups: list[tuple[Any, ...]] = []


# -- the chain ------------------------------------------------------------------------------------------------

ELDERS_OF_BATCH = """
WITH runs AS (SELECT id FROM meal_production_runs WHERE batch_ids @> ARRAY[$1::uuid]),
     eaten AS (SELECT m.resident_id, count(*) AS meals, min(m.served_on) AS first_served_on,
                      max(m.served_on) AS last_served_on, array_agg(DISTINCT m.canteen_id) AS canteen_ids,
                      min(m.seq) AS seq
               FROM meals_served m WHERE m.run_ids && ARRAY(SELECT id FROM runs) AND NOT m.voided
               GROUP BY m.resident_id)
SELECT e.*, f.outcome AS follow_up_outcome, f.followed_up_on, f.note AS follow_up_note
FROM eaten e LEFT JOIN LATERAL (SELECT outcome, followed_up_on, note FROM meal_recall_follow_ups
     WHERE batch_id = $1 AND resident_id = e.resident_id ORDER BY position DESC LIMIT 1) f ON true
WHERE e.seq > $2 ORDER BY e.seq LIMIT $3"""


async def elders_who_ate_from(conn: asyncpg.Connection, batch_id: UUID, *, after: int | None = None,
                              limit: int = 50) -> list[asyncpg.Record]:
    """Every elder who ate a live meal cooked (in any production run) from this batch, once each, in the order
    of their first such meal; with their latest recall follow-up. `limit + 1` rows."""
    return await conn.fetch(ELDERS_OF_BATCH, batch_id, after or 0, limit + 1)


async def runs_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM meal_production_runs WHERE id = ANY($1)", list(ids))


async def batches_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM meal_supplier_batches WHERE id = ANY($1)", list(ids))


async def recall_notices(conn: asyncpg.Connection, batch_id: UUID, *, after: int | None = None,
                         limit: int = 50) -> list[asyncpg.Record]:
    """A batch's recall notices in the order they were sent, after log position `after`: `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM meal_recall_notices WHERE batch_id = $1 AND position > $2"
                            " ORDER BY position LIMIT $3", batch_id, after or 0, limit + 1)


async def search_batches(conn: asyncpg.Connection, *, canteen_id: Any = None, recalled: bool | None = None,
                         after: int | None = None, limit: int = 50) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM meal_supplier_batches WHERE ($1::uuid IS NULL OR canteen_id = $1)"
        " AND ($2::boolean IS NULL OR (recalled_on IS NOT NULL) = $2) AND seq > $3 ORDER BY seq LIMIT $4",
        canteen_id, recalled, after or 0, limit + 1)


async def runs_of_batch(conn: asyncpg.Connection, batch_id: UUID, *, after: int | None = None,
                        limit: int = 50) -> list[asyncpg.Record]:
    """The runs cooked from a batch in the order they were recorded, after `seq` `after`: `limit + 1` rows."""
    return await conn.fetch("SELECT * FROM meal_production_runs WHERE batch_ids @> ARRAY[$1::uuid] AND seq > $2"
                            " ORDER BY seq LIMIT $3", batch_id, after or 0, limit + 1)


async def count_elders_who_ate_from(conn: asyncpg.Connection, batch_id: UUID) -> int:
    return int(await conn.fetchval(
        "SELECT count(DISTINCT resident_id) FROM meals_served WHERE NOT voided AND run_ids && ARRAY("
        "SELECT id FROM meal_production_runs WHERE batch_ids @> ARRAY[$1::uuid])", batch_id))
