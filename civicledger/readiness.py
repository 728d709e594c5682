"""`/livez` and `/readyz`: is this process up, and may a load balancer send it requests?

Ready means all of:
- `database`: a bounded `SELECT 1` answers;
- `projections`: no read model or process manager has stopped on an error of its own (this process's runner,
  or any runner's, recorded in `projection_failures`) or is still waiting out a database error (this
  process's runner), and every read model is within `ready_max_lag` events of the log's safe horizon
  (`CIVICLEDGER_READY_MAX_LAG`);
- `listener`: the positions listener is connected and refreshed since it (re)connected, so read-your-writes
  and the response cache can be trusted.

Where this process runs the read models, `projections` also says, even while the database does not answer, which
of them are waiting out a database error (`retrying`) and how many attempts each has made that met one since the
process started (`retries`).

Anything else answers 503 with a JSON body naming the failed checks."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from civicledger.core.eventstore.horizon import horizon_position_async
from civicledger.projections import failures
from civicledger.projections.runner import TRACKING


def liveness() -> dict[str, Any]:
    return {"status": "live", "process": os.getpid()}


async def readiness(runtime: Any, *, timeout: float = 2.0) -> tuple[bool, dict[str, Any]]:
    """(ready, body)."""
    if runtime is None:
        return False, {"status": "starting", "failed": ["starting"], "process": os.getpid(), "checks": {}}
    checks: dict[str, dict[str, Any]] = {}
    names = list(runtime.positions.names)
    try:
        async with asyncio.timeout(timeout):
            async with runtime.pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
                checks["database"] = {"ok": True}
                horizon = await horizon_position_async(conn)
                rows = await conn.fetch(
                    f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)",
                    names)
                stopped = await failures.stopped(conn)
    except Exception as exc:  # no answer in time counts as a failure too
        error = f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__} (within {timeout}s)"
        if "database" in checks:
            checks["projections"] = {"ok": False, "error": error}
        else:
            checks["database"] = {"ok": False, "error": error}
            checks["projections"] = {"ok": False, "error": "not checked: the database did not answer"}
        checks["projections"].update(_waiting(runtime.runner))
    else:
        tracked = {r["application_name"]: r["notification_id"] or 0 for r in rows}
        checks["projections"] = _projections(runtime, horizon, tracked, stopped)
    trustworthy = runtime.positions.trustworthy
    checks["listener"] = {"ok": trustworthy} if trustworthy else {
        "ok": False, "error": "the positions listener is not connected (or not refreshed since it reconnected)"}
    failed = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "ready" if not failed else "unready", "failed": failed, "process": os.getpid(),
            "checks": checks}
    return not failed, body


def _projections(runtime: Any, horizon: int, positions: dict[str, int], stopped: dict[str, str]) -> dict[str, Any]:
    runner = runtime.runner  # errors and retries exist only where the runner runs (this process or none)
    if runner is not None:
        stopped = {**stopped, **{name: f"{type(exc).__name__}: {exc}" for name, exc in runner.errors.items()}}
    max_lag = runtime.settings.ready_max_lag
    lag = {name: max(0, horizon - positions.get(name, 0)) for name in runtime.positions.names}
    lagging = {name: behind for name, behind in lag.items() if behind > max_lag}
    waiting = _waiting(runner)
    check: dict[str, Any] = {"ok": not stopped and not lagging and not waiting.get("retrying"), "horizon": horizon,
                             "maxLag": max_lag, "lag": lag}
    if stopped:
        check["stopped"] = stopped
    if lagging:
        check["lagging"] = lagging
    check.update(waiting)
    return check


def _waiting(runner: Any) -> dict[str, Any]:
    """The read models still waiting out a database error (`retrying`) and, for every read model that has met
    one since this process started, its attempts that did (`retries`); nothing where none has."""
    if runner is None:
        return {}
    waiting: dict[str, Any] = {}
    if runner.retrying:
        waiting["retrying"] = sorted(runner.retrying)
    if runner.retries:
        waiting["retries"] = dict(sorted(runner.retries.items()))
    return waiting
