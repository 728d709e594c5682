"""`meals_recall`: a process manager that notifies every canteen concerned when a supplier batch is recalled.

It follows the log like a read model and keeps, in its own tables and in the same transaction as its tracking
row, which kitchen cooked each production run from which batches, which canteens served meals from each run,
and which batches are recalled. When a batch is recalled it sends `NotifyCanteenOfRecall` for each kitchen that
cooked from it and each canteen that served from those runs; a meal recorded later (a late entry) from a run of
a recalled batch notifies its canteen too. Commands run after the batch's tables are written: a crash between
them repeats the command, which its idempotency key (batch and canteen) and the batch itself (a canteen is
notified once) turn into nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from civicledger.core.errors import CivicError, ConflictError
from civicledger.core.metadata import Actor
from civicledger.domains.meals.commands import NotifyCanteenOfRecall
from civicledger.domains.meals.meal_day import MealDay
from civicledger.domains.meals.traceability import ProductionRun, SupplierBatch
from civicledger.processes.context import caused_by
from civicledger.projections.base import Envelope, Projection, on
from civicledger.projections.sql import copy_rows
from civicledger.slice import Execute, ProcessWiring

log = logging.getLogger(__name__)
SERVED = get_topic(MealDay.MealsServed)
PROCESS = Actor(id="meals-recall", role="system", office=None, district=None)


class RecallNotices(Projection):
    """Recalled batch → notices to the canteens that cooked or served from it."""

    name = "meals_recall"
    tables = ("meals_recall_runs", "meals_recall_servers", "meals_recall_batches")

    def __init__(self, wiring: ProcessWiring, *, attempts: int = 3) -> None:
        super().__init__(wiring.mapper)
        self.execute: Execute = wiring.execute
        self.attempts = attempts

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute("CREATE TABLE IF NOT EXISTS meals_recall_runs (run_id uuid PRIMARY KEY,"
                           " kitchen_id uuid NOT NULL, batch_ids uuid[] NOT NULL)")
        await conn.execute("CREATE INDEX IF NOT EXISTS meals_recall_runs_batches_idx ON meals_recall_runs"
                           " USING gin (batch_ids)")
        await conn.execute("CREATE TABLE IF NOT EXISTS meals_recall_servers (run_id uuid NOT NULL,"
                           " canteen_id uuid NOT NULL, PRIMARY KEY (run_id, canteen_id))")
        await conn.execute("CREATE TABLE IF NOT EXISTS meals_recall_batches (batch_id uuid PRIMARY KEY,"
                           " position bigint NOT NULL)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        state = _State(conn)
        await state.load(batch)
        notices: list[tuple[UUID, UUID, Envelope]] = []
        for env in batch:
            notices.extend(await self.dispatch(env, state) or ())
        await state.save()
        first: dict[tuple[UUID, UUID], Envelope] = {}
        for batch_id, canteen_id, env in notices:
            first.setdefault((batch_id, canteen_id), env)
        for (batch_id, canteen_id), env in first.items():
            await self._notify(batch_id, canteen_id, env)

    @on(ProductionRun.Cooked)
    async def _cooked(self, state: _State, env: Envelope, e: ProductionRun.Cooked) -> list[Any]:
        state.runs[env.stream_id] = (e.canteen_id, tuple(e.batch_ids))
        state.new_runs.append((env.stream_id, e.canteen_id, list(e.batch_ids)))
        return []

    @on(MealDay.MealsServed)
    async def _served(self, state: _State, env: Envelope, e: MealDay.MealsServed) -> list[Any]:
        notices = []
        for run_id in {r for meal in e.meals for r in meal.run_ids}:
            if (run_id, e.canteen_id) not in state.servers:
                state.servers.add((run_id, e.canteen_id))
                state.new_servers.append((run_id, e.canteen_id))
            _, batch_ids = state.runs.get(run_id, (None, ()))
            notices.extend((b, e.canteen_id, env) for b in batch_ids if b in state.recalled)
        return notices

    @on(SupplierBatch.Recalled)
    async def _recalled(self, state: _State, env: Envelope, e: SupplierBatch.Recalled) -> list[Any]:
        state.recalled.add(env.stream_id)
        state.new_recalls.append((env.stream_id, env.position))
        return [(env.stream_id, canteen, env) for canteen in await state.canteens_of(env.stream_id)]

    async def _notify(self, batch_id: UUID, canteen_id: UUID, env: Envelope) -> None:
        ctx = caused_by(env, actor=PROCESS, reason="food-safety recall", origin="meals-recall",
                        idempotency_key=f"meals-recall:{batch_id}:{canteen_id}")
        for attempt in range(1, self.attempts + 1):
            try:
                await self.execute(NotifyCanteenOfRecall(batch_id, canteen_id), ctx)
                return
            except ConflictError:
                if attempt == self.attempts:
                    raise
            except CivicError as exc:  # a canteen or batch the rules refuse must not hold back the others
                log.error("recall notice of batch %s to canteen %s refused: %s", batch_id, canteen_id, exc.message)
                return


class _State:
    """What one batch of the log needs, loaded once and written back once."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.runs: dict[UUID, tuple[UUID, tuple[UUID, ...]]] = {}
        self.servers: set[tuple[UUID, UUID]] = set()
        self.recalled: set[UUID] = set()
        self.new_runs: list[tuple[Any, ...]] = []
        self.new_servers: list[tuple[Any, ...]] = []
        self.new_recalls: list[tuple[Any, ...]] = []

    async def load(self, batch: Sequence[Envelope]) -> None:
        served = {r for env in batch if env.topic == SERVED for meal in env.event.meals for r in meal.run_ids}
        if served:
            for r in await self.conn.fetch("SELECT * FROM meals_recall_runs WHERE run_id = ANY($1)", list(served)):
                self.runs[r["run_id"]] = (r["kitchen_id"], tuple(r["batch_ids"]))
            for r in await self.conn.fetch("SELECT run_id, canteen_id FROM meals_recall_servers"
                                           " WHERE run_id = ANY($1)", list(served)):
                self.servers.add((r["run_id"], r["canteen_id"]))
        self.recalled = {r["batch_id"] for r in await self.conn.fetch("SELECT batch_id FROM meals_recall_batches")}

    async def canteens_of(self, batch_id: UUID) -> list[UUID]:
        """Kitchens that cooked from the batch and canteens that served from those runs (stored and new)."""
        rows = await self.conn.fetch(
            "SELECT r.run_id, r.kitchen_id, s.canteen_id FROM meals_recall_runs r LEFT JOIN meals_recall_servers s"
            " ON s.run_id = r.run_id WHERE r.batch_ids @> ARRAY[$1::uuid]", batch_id)
        runs = {r["run_id"] for r in rows} | {run for run, (_, b) in self.runs.items() if batch_id in b}
        canteens = [r["kitchen_id"] for r in rows] + [r["canteen_id"] for r in rows if r["canteen_id"]]
        canteens += [self.runs[run][0] for run in runs if run in self.runs]
        canteens += [canteen for run, canteen in self.servers if run in runs]
        return list(dict.fromkeys(canteens))

    async def save(self) -> None:
        await copy_rows(self.conn, "meals_recall_runs", ("run_id", "kitchen_id", "batch_ids"), self.new_runs)
        await copy_rows(self.conn, "meals_recall_servers", ("run_id", "canteen_id"), self.new_servers)
        await copy_rows(self.conn, "meals_recall_batches", ("batch_id", "position"), self.new_recalls)
