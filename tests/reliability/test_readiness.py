"""`/livez` and `/readyz`: a read model stopped by an error of its own code stays stopped and visible — to
every process, through `/readyz` — until a runner starts it again; a read model too far behind the log makes
the process unready too."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx

from civicledger.core.db import ConnectionParams
from civicledger.projections.base import Envelope, Projection
from civicledger.projections.runner import ProjectionRunner
from civicledger.readiness import readiness
from civicledger.runtime import Runtime
from tests.inspection.helpers import record_world, runtime_on


class BrokenTally(Projection):
    """A read model with a bug: it cannot handle the third event of the log."""

    name = "broken_tally"
    fixed = False

    async def create(self, conn: asyncpg.Connection) -> None:
        pass

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        if not self.fixed and any(e.position == 3 for e in batch):
            raise ZeroDivisionError("a bug in the projection's own code")


async def runner_for(runtime: Runtime, projection: Projection) -> ProjectionRunner:
    assert runtime.pool is not None
    runner = ProjectionRunner(runtime.pool, runtime.ledger.mapper, runtime.ledger.keyring, [projection],
                              batch_size=1)
    await runner.create_tables()
    return runner


async def run_until(runner: ProjectionRunner, condition: Any, timeout: float = 20.0) -> None:
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    finally:
        runner.stop()
        await task


async def test_the_process_is_live_and_ready_when_all_is_well(http: httpx.AsyncClient) -> None:
    live, ready = await http.get("/livez"), await http.get("/readyz")

    assert live.status_code == 200 and live.json()["status"] == "live"
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"]["listener"] == {"ok": True}


async def test_a_projection_stopped_by_its_own_error_makes_every_process_unready(cluster_database: ConnectionParams) -> None:
    async with runtime_on(cluster_database, ready_max_lag=10**9) as worker, runtime_on(cluster_database) as api:
        await asyncio.to_thread(record_world, worker)
        tally = BrokenTally(worker.ledger.mapper)
        broken = await runner_for(worker, tally)

        await run_until(broken, lambda: tally.name in broken.errors)
        seen_by_api, api_body = await readiness(api)
        tally.fixed = True
        fixed = await runner_for(worker, tally)
        await run_until(fixed, lambda: fixed.positions.get(tally.name, 0) > 3)
        after_fix, _ = await readiness(worker)

    assert isinstance(broken.errors[tally.name], ZeroDivisionError)
    assert broken.positions[tally.name] == 2  # stopped at the event before the one it could not handle
    assert not seen_by_api and "projections" in api_body["failed"]
    assert "ZeroDivisionError" in api_body["checks"]["projections"]["stopped"]["broken_tally"]
    assert after_fix


async def test_a_read_model_too_far_behind_makes_the_process_unready(cluster_database: ConnectionParams) -> None:
    async with runtime_on(cluster_database, ready_max_lag=5) as runtime:  # no runner: nothing follows the log
        await asyncio.to_thread(record_world, runtime)

        ready, body = await readiness(runtime)

    assert not ready and body["failed"] == ["projections"]
    assert body["checks"]["projections"]["lagging"]["residents"] > 5
