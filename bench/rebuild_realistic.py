"""`rebuild_realistic_events_per_s`: `civicledger rebuild` of a log shaped like the demo — registrations,
households, assistance cases with their verification and payroll, linkage needs and referrals, casework, meals —
loaded through the application services into a database of its own (the main bench log is mostly address
changes, which flatter a rebuild). Every read model is rebuilt from position zero, as `civicledger rebuild` does
it (one process per core), and once more in one process; the figure is the log's events divided by the wall time
of the former. Issue 12 wants a log of at least 1,000,000 events in the full bench (`--rebuild-events`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from civicledger.core.db import ConnectionParams
from civicledger.settings import Settings

# Events per demo resident (registration, households, programs), measured on the demo: 91,799 for 28,000.
EVENTS_PER_RESIDENT = 3.28


async def _load(settings: Settings, params: ConnectionParams, residents: int) -> int:
    from civicledger import demo
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        await asyncio.to_thread(demo.load, runtime.services, residents, programs=runtime.programs)
        assert runtime.pool is not None
        async with runtime.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await runtime.close()


async def _rebuild_one_process(settings: Settings, params: ConnectionParams, names: list[str]) -> dict[str, float]:
    from civicledger.projections.runner import rebuild
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        assert runtime.runner is not None
        return await rebuild(runtime.runner, names)
    finally:
        await runtime.close()


def run(settings: Settings, params: ConnectionParams, *, events: int, log: Callable[[str], None],
        processes: int | None = None) -> dict[str, Any]:
    from civicledger.programs import read_model_names
    from civicledger.rebuild import rebuild_in_processes

    processes = processes or os.cpu_count() or 1
    residents = max(10, round(events / EVENTS_PER_RESIDENT))
    started = time.monotonic()
    in_log = asyncio.run(_load(settings, params, residents))
    log(f"demo-shaped log: {in_log:,} events ({residents:,} residents) loaded in {time.monotonic() - started:.0f}s")
    names = read_model_names()
    out: dict[str, Any] = {"events_in_log": in_log, "residents": residents, "processes": processes}
    started = time.perf_counter()
    rates = rebuild_in_processes(settings, params, names, processes)
    wall = time.perf_counter() - started
    out["events_per_s"] = in_log / wall if wall > 0 else 0.0
    out["wall_s"] = wall
    log(f"rebuild of the demo-shaped log, {processes} processes: {out['events_per_s']:,.0f} events/s")
    started = time.perf_counter()
    one = asyncio.run(_rebuild_one_process(settings, params, names))
    wall = time.perf_counter() - started
    out["one_process_events_per_s"] = in_log / wall if wall > 0 else 0.0
    out["per_projection_one_process"] = {k: v for k, v in one.items() if k != "*"}
    log(f"rebuild of the demo-shaped log, 1 process: {out['one_process_events_per_s']:,.0f} events/s")
    rates.pop("*", None)
    out["per_projection"] = rates
    return out


def main(argv: list[str]) -> int:
    """Standalone: rebuild an existing database's log (e.g. one `civicledger demo --load-only` filled), with the
    environment's settings; no loading."""
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_realistic")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    from civicledger.programs import read_model_names
    from civicledger.rebuild import rebuild_in_processes

    settings = Settings.from_env()
    params = ConnectionParams.from_url(settings.database_url or "")
    import psycopg

    with psycopg.connect(params.url) as conn:
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    events = int(row[0]) if row else 0
    started = time.perf_counter()
    if args.processes == 1:
        asyncio.run(_rebuild_one_process(settings, params, read_model_names()))
    else:
        rebuild_in_processes(settings, params, read_model_names(), args.processes)
    wall = time.perf_counter() - started
    print(json.dumps({"events": events, "processes": args.processes, "wall_s": round(wall, 2),
                      "events_per_s": round(events / wall)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
