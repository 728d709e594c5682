"""Projection rebuild: every read model from position zero, timed, as `civicledger rebuild` does it — the read
models split over one process per core (`civicledger.rebuild.rebuild_in_processes`), each
process reading the log once and handing every batch to its read models.

The figure is the events in the log divided by the wall time of rebuilding all read models; per projection,
the events it applied per second of its process's wall time. The profiled repetition (full runs) is a
one-process rebuild, so that cProfile sees all of it."""

from __future__ import annotations

import asyncio
import cProfile
import os
import time
from collections.abc import Callable
from typing import Any

from bench.stats import summary
from bench.writers import profile_table
from civicledger.core.db import ConnectionParams
from civicledger.programs import read_models
from civicledger.projections.runner import rebuild
from civicledger.rebuild import partition, rebuild_in_processes
from civicledger.runtime import Runtime
from civicledger.settings import Settings


class _Progress:
    def __init__(self, name: str, total: int, log: Callable[[str], None]) -> None:
        self.name, self.total, self.log = name, max(total, 1), log
        self.done = 0
        self.next_report = 0.25
        self.started = time.monotonic()

    def update(self, n: int) -> None:
        self.done += n
        if self.done / self.total >= self.next_report:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            self.log(f"  rebuild {self.name}: {self.done / self.total:4.0%} ({rate:,.0f} positions/s)")
            while self.next_report <= self.done / self.total:
                self.next_report += 0.25

    def close(self) -> None:
        pass


async def event_count(runtime: Runtime) -> int:
    assert runtime.pool is not None
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM events"))


async def run(settings: Settings, params: ConnectionParams, *, repetitions: int, log: Callable[[str], None],
              profile: bool = False) -> dict[str, Any]:
    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        assert runtime.runner is not None
        events = await event_count(runtime)
        totals: list[float] = []
        per: dict[str, list[float]] = {}
        names = [p.name for p in read_models(None)]  # the read models, as `civicledger rebuild` picks them
        processes = len(partition(names, os.cpu_count() or 1))
        profile_text = None
        for rep in range(repetitions + (1 if profile else 0)):
            profiling = profile and rep == repetitions
            profiler = cProfile.Profile() if profiling else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            # All read models at once, as `civicledger rebuild` does: they share the decoded events.
            if profiling:
                rates = await rebuild(runtime.runner, names, progress_factory=lambda n, total: _Progress(n, total, log))
            else:
                rates = await asyncio.to_thread(
                    rebuild_in_processes, settings, params, names, None,
                    lambda n, total: _Progress(n, total, log))
            rates.pop("*", None)
            if profiler:
                profiler.disable()
                log("rebuild profiled (not counted)")
                profile_text = "rebuild of every read model at once:\n" + profile_table(profiler)
                continue
            wall = time.perf_counter() - started
            totals.append(events / wall)
            for name, rate in rates.items():
                per.setdefault(name, []).append(rate)
            log(f"rebuild {rep + 1}/{repetitions}: {events:,} events in {wall:.1f}s = {events / wall:,.0f} events/s"
                f" (slowest read model: {min(rates, key=lambda n: rates[n])})")
        return {
            "events_in_log": events,
            "events_per_s": summary(totals),
            "processes": processes,
            "per_projection": {name: {"applied_events_per_s": summary(v)} for name, v in per.items()},
            "profile": profile_text,
        }
    finally:
        await runtime.close()
