"""Composition root: settings -> database -> ledger, every program's service and read models, the command bus,
the read pool, projections and process managers. Built explicitly at start-up (never at import time) from the
list of program slices, and closed cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import asyncpg

from civicledger.core import bridge
from civicledger.core.access_log import AccessLog
from civicledger.core.aio import within
from civicledger.core.clock import Clock, SystemClock
from civicledger.core.command_threads import CommandThreads
from civicledger.core.commands import CommandBus
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.eventstore.writers import WriterConnections
from civicledger.core.failover import RetryPolicy
from civicledger.core.metadata import CommandContext
from civicledger.core.transient import quiet_transient_pool_warnings
from civicledger.inspection.service import Inspection
from civicledger.programs import PROGRAMS, read_models
from civicledger.projections.base import Projection
from civicledger.projections.positions import ProjectionPositions, guard_key_cache
from civicledger.projections.replica_positions import ReplicaPositions
from civicledger.projections.runner import ProjectionRunner
from civicledger.settings import Settings
from civicledger.slice import Job, ProcessWiring, ProgramSlice, Services, build_services

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["Runtime", "Services"]


async def _rollback_if_needed(conn: asyncpg.Connection) -> None:
    """Pool release hook. asyncpg's default sends RESET ALL / UNLISTEN * / CLOSE ALL on every release — a
    round trip per request; our read side sets no session state (listeners hold their connection for good),
    so only an abandoned transaction needs undoing."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class Runtime:
    def __init__(self, settings: Settings, params: ConnectionParams, *, clock: Clock | None = None,
                 programs: Sequence[ProgramSlice] | None = None) -> None:
        self.settings = settings
        self.params = params
        self.clock = clock or SystemClock()
        self.programs = tuple(PROGRAMS if programs is None else programs)
        self.ledger = Ledger(params, master_key=settings.master_key, claims_secret=settings.claims_secret,
                             chain_key=settings.chain_mac_key, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_pool_size, retry=RetryPolicy(window_s=settings.db_retry_s))
        self.access_log = AccessLog(self.ledger.macs, self.ledger.receipts)
        self.services = build_services(self.programs, self.ledger, self.clock)
        self.bus = CommandBus(self.services.values())
        # Commands run on the loop (`bridge`), their appends on `writer_pool`; the command threads take the
        # blocking reads a command makes (a stream, a key), as many at once as the ledger keeps connections.
        self.executor = CommandThreads(settings.db_pool_size, name="command")
        self.pool: asyncpg.Pool | None = None
        self.writer_pool: WriterConnections | None = None
        # Where GraphQL reads: a replica's pool when DATABASE_READ_URL is set, otherwise `pool` itself.
        self.read_pool: asyncpg.Pool | None = None
        self._background: set[asyncio.Task[None]] = set()
        self.projections = read_models(self.ledger.mapper, self.programs)
        # Process managers follow the log like read models but send commands; read-your-writes never waits
        # for them. Made at start (they need the pool).
        self.processes: list[Projection] = []
        self.jobs: list[Job] = []
        self.runner: ProjectionRunner | None = None
        self.positions: ProjectionPositions | None = None
        self.inspection: Inspection | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._runner_task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def wiring(self) -> ProcessWiring:
        assert self.pool is not None, "start the runtime first"
        return ProcessWiring(mapper=self.ledger.mapper, pool=self.pool, services=self.services,
                             execute=self.execute, run=self.run, clock=self.clock)

    async def start(self, *, run_projections: bool, run_processes: bool = True,
                    prepare_schema: bool = True, run_sealer: bool | None = None) -> Runtime:
        """`run_projections`: follow the log here (read models) and, unless `run_processes` is False, run every
        program's process managers and jobs too (tests of other features leave them to tests that drive them
        with a clock of their own). `run_sealer` (default: with the projections) runs the sealer here: every
        process that serves writes should run one. `prepare_schema=False` when another process has just created
        the read-model tables (a rebuild's worker processes must not re-create indexes that the rebuild has set
        aside)."""
        quiet_transient_pool_warnings()
        self.pool = await asyncpg.create_pool(
            self.params.url, **self.params.asyncpg_kwargs(), min_size=2, max_size=self.settings.read_pool_size + 2,
            server_settings={"application_name": "civicledger"}, reset=_rollback_if_needed,
        )
        self.read_pool = self.pool
        # The writers' own connections (the primary's): a command's append never waits behind a read.
        params = self.params
        self.writer_pool = WriterConnections(lambda: asyncpg.connect(
            params.url, **params.asyncpg_kwargs(), server_settings={"application_name": "civicledger-writer"}),
            self.settings.db_pool_size)
        self.ledger.recorder.writer_pool = self.writer_pool
        self.ledger.on_reconnect.append(self.writer_pool.expire)
        if self.settings.database_read_url:
            replica = ConnectionParams.from_url(self.settings.database_read_url)
            self.read_pool = await asyncpg.create_pool(
                replica.url, **replica.asyncpg_kwargs(), min_size=1, max_size=self.settings.read_pool_size,
                server_settings={"application_name": "civicledger-read"}, reset=_rollback_if_needed,
            )
        wiring = self.wiring()
        self.processes = [make(wiring) for p in self.programs for make in p.processes] if run_processes else []
        self.runner = ProjectionRunner(self.pool, self.ledger.mapper, self.ledger.keyring,
                                       [*self.projections, *self.processes],
                                       batch_size=self.settings.projection_batch_size)
        self.inspection = Inspection(self.pool, self.ledger.mapper, self.ledger.keyring, self.settings,
                                     macs=self.ledger.macs, receipts=self.ledger.receipts)
        if prepare_schema:
            await self._prepare_schema()
        else:
            await self.runner.load_positions()
        names = [p.name for p in self.projections]
        self.positions = (ProjectionPositions(self.pool, names, dsn=self.params.url) if self.read_pool is self.pool
                          else ReplicaPositions(self.pool, names, replica=self.read_pool, dsn=self.params.url))
        guard_key_cache(self.positions, self.ledger.keyring)
        await self.positions.start()
        if run_projections:
            self.runner.on_advance.append(self.positions.advance)
            self._runner_task = asyncio.create_task(self.runner.run(), name="projections")
            self._tasks.append(self._runner_task)
            self.jobs = [make(wiring) for p in self.programs for make in p.jobs] if run_processes else []
            self._tasks.extend(asyncio.create_task(job.run(), name=type(job).__name__) for job in self.jobs)
        if self.settings.run_checkpointer and (run_projections if run_sealer is None else run_sealer):
            # What this process writes is checked by its own sealer until witnessed (docs/THREAT-MODEL.md).
            self.ledger.receipts.enabled = True
            self._tasks.append(asyncio.create_task(
                self.inspection.checkpointer.run(self.settings.checkpoint_interval_s, self._stopping),
                name="sealer"))
        return self

    def connection_lost(self) -> None:
        """A request met a lost connection (a failover): replace every pooled connection, so that the next
        requests reach the current primary instead of failing one stale connection at a time."""
        self.ledger.reconnect()  # (the writers' connections too: `on_reconnect`)
        for pool in {id(p): p for p in (self.pool, self.read_pool) if p is not None}.values():
            task = asyncio.get_running_loop().create_task(pool.expire_connections())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _prepare_schema(self) -> None:
        """The read models' tables (the other tables were migrated when the ledger was made: `migrations`).
        Processes starting at once (an API and a worker) take turns: concurrent `CREATE ... IF NOT EXISTS`
        statements race in PostgreSQL's catalog."""
        assert self.pool is not None and self.runner is not None
        async with self.pool.acquire() as lock:
            await lock.execute("SELECT pg_advisory_lock(hashtext('civicledger-schema'))")
            try:
                await self.runner.create_tables()
            finally:
                await lock.execute("SELECT pg_advisory_unlock(hashtext('civicledger-schema'))")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a synchronous service call on the loop, its appends awaited there, its blocking reads on the
        command threads (`bridge`)."""
        result = await bridge.run(fn, *args, offload=self.executor.run)
        if self.runner is not None and self._runner_task is not None:
            self.runner.wake()
        return result

    async def execute(self, command: object, ctx: CommandContext) -> Any:
        """The one command path: the handler of this command's type, whichever program it belongs to."""
        return await self.run(self.bus.handler_for(type(command)), command, ctx)

    async def close(self) -> None:
        self._stopping.set()
        for job in self.jobs:
            job.stop()
        if self.runner is not None:
            self.runner.stop()
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await within(5, task)
        if self.positions is not None:
            await self.positions.stop()
        if self.read_pool is not None and self.read_pool is not self.pool:
            await self.read_pool.close()
        if self.pool is not None:
            await self.pool.close()
        self.executor.shutdown()
        self.ledger.recorder.writer_pool = None
        if self.writer_pool is not None:
            await self.writer_pool.close()
        self.ledger.close()
