"""The data the read-path figures need, written through the real write path by the writer processes:

- a demo population (realistic households, `civicledger.demo`), split over the writer processes, and the elder
  meal service's demo over it (canteens, enrolled elders, weeks of meals: the program's events in the log);
- a history for each of its residents (address changes in one multi-event append per resident), so that a
  timeline page is a full 50-entry page for every resident of the workload;
- one resident with 100,000 events and one with 100 (multi-event appends on an aggregate kept in memory:
  the same mapper, encryption, hash chain and recorder as any command, without replaying 100,000 events
  before each batch)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.writers import WriterPool


def load_demo(pool: WriterPool, residents: int, log: Callable[[str], None]) -> list[str]:
    started = time.monotonic()
    parts = pool.size
    results = pool.run_each("demo_part", [{"residents": residents, "part": i, "parts": parts} for i in range(parts)])
    ids = [rid for r in results for rid in r["residents"]]
    log(f"demo population: {len(ids):,} residents in {time.monotonic() - started:.1f}s")
    # Programs' demos over it: the meal service (one writer; its loader spreads over threads itself).
    started = time.monotonic()
    in_plan_order = [results[i % parts]["households"][i // parts]
                     for i in range(sum(len(r["households"]) for r in results))]
    [meals] = pool.run_each("meals_demo", [{"residents": residents, "households": in_plan_order}])
    log(f"meal service: {meals['meals']:,} meals in {time.monotonic() - started:.1f}s")
    started = time.monotonic()
    household_ids = [results[i % parts]["household_ids"][i // parts] for i in range(len(in_plan_order))]
    [programs] = pool.run_each("programs_demo", [{"residents": residents, "households": in_plan_order,
                                                  "household_ids": household_ids}])
    log(f"assistance and linkage: {programs['assistance_cases']} cases, {programs['linkage_communities']}"
        f" linkage communities in {time.monotonic() - started:.1f}s")
    return ids


def fill_histories(pool: WriterPool, ids: list[str], events: int, log: Callable[[str], None]) -> int:
    started = time.monotonic()
    parts = pool.size
    results = pool.run_each("fill_history", [{"residents": ids[i::parts], "events": events} for i in range(parts)])
    total = sum(r["events"] for r in results)
    elapsed = time.monotonic() - started
    log(f"histories: {total:,} events for {len(ids):,} residents in {elapsed:.1f}s ({total / elapsed:,.0f} events/s)")
    return total


def long_histories(pool: WriterPool, long_events: int, short_events: int, batch: int,
                   log: Callable[[str], None]) -> dict[str, Any]:
    tasks = [{"events": long_events, "batch": batch}, {"events": short_events, "batch": batch}]
    long, short = pool.run_each("long_history", tasks)
    log(f"long history: {long['events']:,} events in {long['elapsed']:.1f}s "
        f"({long['events'] / max(long['elapsed'], 1e-9):,.0f} events/s); short: {short['events']} events")
    return {"long": long["resident"], "short": short["resident"], "long_events": long["events"],
            "short_events": short["events"], "long_build_events_per_s": long["events"] / max(long["elapsed"], 1e-9)}
