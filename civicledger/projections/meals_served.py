"""`meals_served`: one row per meal, with its production runs and its split between the payers — the canteen's
meal list, an elder's meals, the traceability join (runs → meals → elders) and the rule preview's sample.
`meal_days`: one row per canteen and day sheet (open or closed, how many meals)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg

from civicledger.domains.meals.meal_day import MealDay
from civicledger.projections.base import Envelope, Projection, on
from civicledger.projections.sql import copy_rows, upsert_rows

SEQ_PER_EVENT = 1000  # a meal's seq is its event's position × 1000 + its place on the sheet (≤ 500 per event)
COLUMNS = ("meal_id", "seq", "day_id", "canteen_id", "served_on", "resident_id", "sitting", "mode", "run_ids",
           "category", "locality", "rule_revision", "price", "enterprise", "city", "district_share",
           "street_share", "charity", "elder", "late", "voided", "recorded_at", "position")
DAY_COLUMNS = {"id": "uuid", "canteen_id": "uuid", "served_on": "date", "meals": "int", "voided": "int",
               "closed": "boolean", "closed_at": "timestamptz", "position": "bigint"}


class MealsServedProjection(Projection):
    """Meals, append-only but for the voided flag; day sheets by canteen."""

    name = "meals_served"
    tables = ("meals_served", "meal_days")

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meals_served (meal_id uuid PRIMARY KEY, seq bigint NOT NULL,"
            " day_id uuid NOT NULL, canteen_id uuid NOT NULL, served_on date NOT NULL, resident_id uuid NOT NULL,"
            " sitting text NOT NULL, mode text NOT NULL, run_ids uuid[] NOT NULL, category text NOT NULL,"
            " locality text NOT NULL, rule_revision int NOT NULL, price numeric NOT NULL, enterprise numeric NOT NULL,"
            " city numeric NOT NULL, district_share numeric NOT NULL, street_share numeric NOT NULL,"
            " charity numeric NOT NULL, elder numeric NOT NULL, late boolean NOT NULL, voided boolean NOT NULL,"
            " recorded_at timestamptz NOT NULL, position bigint NOT NULL)")
        for ddl in ("CREATE UNIQUE INDEX IF NOT EXISTS meals_served_seq_idx ON meals_served (seq)",
                    "CREATE INDEX IF NOT EXISTS meals_served_canteen_idx ON meals_served (canteen_id, served_on, seq)",
                    "CREATE INDEX IF NOT EXISTS meals_served_resident_idx ON meals_served (resident_id, seq)",
                    "CREATE INDEX IF NOT EXISTS meals_served_runs_idx ON meals_served USING gin (run_ids)",
                    "CREATE INDEX IF NOT EXISTS meals_served_day_idx ON meals_served (served_on)"):
            await conn.execute(ddl)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS meal_days (id uuid PRIMARY KEY, canteen_id uuid NOT NULL,"
            " served_on date NOT NULL, meals int NOT NULL, voided int NOT NULL, closed boolean NOT NULL,"
            " closed_at timestamptz, position bigint NOT NULL)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meal_days_canteen_idx ON meal_days (canteen_id, served_on)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        ids = list({env.stream_id for env in batch})
        days = {r["id"]: dict(r) for r in await conn.fetch("SELECT * FROM meal_days WHERE id = ANY($1)", ids)}
        state = _Batch(days)
        for env in batch:
            self.dispatch(env, state)
        await copy_rows(conn, "meals_served", COLUMNS, state.meals)
        if state.voided:
            await conn.execute("UPDATE meals_served SET voided = true WHERE meal_id = ANY($1)", state.voided)
        await upsert_rows(conn, "meal_days", "id", DAY_COLUMNS, [days[k] for k in state.touched])

    @on(MealDay.Opened)
    def _opened(self, state: _Batch, env: Envelope, e: MealDay.Opened) -> None:
        state.days[env.stream_id] = {"id": env.stream_id, "canteen_id": e.canteen_id, "served_on": e.served_on,
                                     "meals": 0, "voided": 0, "closed": False, "closed_at": None,
                                     "position": env.position}
        state.touched[env.stream_id] = None

    @on(MealDay.MealsServed)
    def _served(self, state: _Batch, env: Envelope, e: MealDay.MealsServed) -> None:
        late = e.late_reason is not None
        for i, m in enumerate(e.meals):
            s = m.shares
            state.meals.append((
                m.meal_id, env.position * SEQ_PER_EVENT + i, env.stream_id, e.canteen_id, e.served_on, m.resident_id,
                m.sitting.value, m.mode.value, list(m.run_ids), m.category.value, m.locality.value, m.rule_revision,
                m.price, s.enterprise, s.city, s.district, s.street, s.charity, s.elder, late, False, e.timestamp,
                env.position))
        state.change(env, meals=len(e.meals))

    @on(MealDay.MealVoided)
    def _voided(self, state: _Batch, env: Envelope, e: MealDay.MealVoided) -> None:
        state.voided.append(e.meal_id)
        state.change(env, meals=-1, voided=1)

    @on(MealDay.Closed)
    def _closed(self, state: _Batch, env: Envelope, e: MealDay.Closed) -> None:
        state.change(env, closed=True, closed_at=e.timestamp)


class _Batch:
    def __init__(self, days: dict[Any, dict[str, Any]]) -> None:
        self.days = days
        self.touched: dict[Any, None] = {}
        self.meals: list[tuple[Any, ...]] = []
        self.voided: list[Any] = []

    def change(self, env: Envelope, *, meals: int = 0, voided: int = 0, **values: Any) -> None:
        row = self.days.get(env.stream_id)
        if row is None:
            return
        row.update(meals=row["meals"] + meals, voided=row["voided"] + voided, position=env.position, **values)
        self.touched[env.stream_id] = None


async def meal_sample(conn: asyncpg.Connection, since: date, until: date) -> dict[tuple[str, str], int]:
    """Live meals served in [since, until) by (category, locality): the rule preview's volume."""
    rows = await conn.fetch("SELECT category, locality, count(*) AS n FROM meals_served WHERE served_on >= $1"
                            " AND served_on < $2 AND NOT voided GROUP BY category, locality", since, until)
    return {(r["category"], r["locality"]): int(r["n"]) for r in rows}


async def meals_by_ids(conn: asyncpg.Connection, ids: Sequence[Any]) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT *, meal_id AS id FROM meals_served WHERE meal_id = ANY($1)", list(ids))


async def search_meals(conn: asyncpg.Connection, *, canteen_id: Any = None, resident_id: Any = None,
                       since: date | None = None, until: date | None = None, include_voided: bool = False,
                       after: int | None = None, limit: int = 50) -> list[asyncpg.Record]:
    """Meals of a canteen or an elder (one of them is required by the API), oldest first. `limit + 1` rows."""
    return await conn.fetch(
        "SELECT *, meal_id AS id FROM meals_served WHERE ($1::uuid IS NULL OR canteen_id = $1)"
        " AND ($2::uuid IS NULL OR resident_id = $2) AND ($3::date IS NULL OR served_on >= $3)"
        " AND ($4::date IS NULL OR served_on <= $4) AND ($5 OR NOT voided) AND seq > $6 ORDER BY seq LIMIT $7",
        canteen_id, resident_id, since, until, include_voided, after or 0, limit + 1)


async def meals_recorded_at(conn: asyncpg.Connection, day_id: Any, position: int) -> list[asyncpg.Record]:
    """The meals one command recorded on a day sheet."""
    return await conn.fetch("SELECT *, meal_id AS id FROM meals_served WHERE day_id = $1 AND position = $2"
                            " ORDER BY seq", day_id, position)
