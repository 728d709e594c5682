"""Append figures: commands of 1 and 10 events with 1 and 4 writer processes, next to raw single-row INSERT
transactions on the same database, in the same run, interleaved.

One round runs every cell once (raw x1, register x1, raw x4, register x4, ...), the next round starts one cell
later (rotation), and each figure is the median over rounds of the per-round ratio (paired: a slow moment of
the machine hits both sides of a ratio)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from bench.stats import paired_ratio, percentile, summary
from bench.writers import WriterPool

# (name, task kind, writers)
CELLS: tuple[tuple[str, str, int], ...] = (
    ("raw_1", "raw", 1),
    ("register_1", "register", 1),
    ("raw_4", "raw", 4),
    ("register_4", "register", 4),
    ("new_stream_1", "new_stream", 1),
    ("register10_1", "register10", 1),
    ("register10_4", "register10", 4),
    ("existing_1", "existing", 1),
    ("store_1", "store", 1),
)


def payload_size(db_url: str) -> int:
    """The average stored size of a registration event's state (encrypted JSON), for the raw rows."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT avg(length(state))::int FROM events WHERE topic LIKE '%Resident.Registered'"
        ).fetchone()
    return int(row[0]) if row and row[0] else 600


def run(pool: WriterPool, db_url: str, *, rounds: int, window: float, log: Callable[[str], None],
        profile: bool = False) -> dict[str, Any]:
    pool.run("prepare_raw", 1)
    pool.run("prepare_existing", 1, count=1000)
    # Warm-up: every path once (connections, prepared statements, imports, caches), and the payload size.
    for _, kind, writers in CELLS:
        pool.run(kind, writers, duration=0.3, payload_bytes=600)
    size = payload_size(db_url)
    log(f"append: payload {size} bytes per event; {rounds} rounds x {len(CELLS)} cells x {window:.1f}s")

    rates: dict[str, list[float]] = {name: [] for name, _, _ in CELLS}
    event_rates: dict[str, list[float]] = {name: [] for name, _, _ in CELLS}
    latencies: dict[str, list[float]] = {name: [] for name, _, _ in CELLS}
    for r in range(rounds):
        order = CELLS[r % len(CELLS):] + CELLS[: r % len(CELLS)]
        line = []
        for name, kind, writers in order:
            results = pool.run(kind, writers, duration=window, payload_bytes=size)
            rate = sum(x["rate"] for x in results)
            rates[name].append(rate)
            event_rates[name].append(sum(x["events"] / x["elapsed"] for x in results if x["elapsed"]))
            for x in results:
                latencies[name] += x["latencies"]
            line.append(f"{name} {rate:,.0f}/s")
        log(f"append round {r + 1}/{rounds}: " + ", ".join(line))

    profiles: dict[str, str] = {}
    if profile:
        for name, kind, writers in (("register_1", "register", 1), ("existing_1", "existing", 1)):
            profiles[name] = pool.run(kind, writers, duration=window, payload_bytes=size, profile=True)[0]["profile"]

    def ratio(a: str, b: str) -> dict[str, Any]:
        return paired_ratio(rates[a], rates[b])

    cells = {
        name: {
            "ops_per_s": summary(rates[name]),
            "events_per_s": summary(event_rates[name]),
            "latency_ms": {"p50": _ms(percentile(latencies[name], 50)), "p99": _ms(percentile(latencies[name], 99))},
        }
        for name, _, _ in CELLS
    }
    return {
        "payload_bytes": size,
        "cells": cells,
        "ratios": {
            "append_ratio_1": ratio("register_1", "raw_1"),
            "append_ratio_1_new_stream": ratio("new_stream_1", "raw_1"),
            "append_ratio_1_existing_stream": ratio("existing_1", "raw_1"),
            "append_ratio_1_store_only": ratio("store_1", "raw_1"),
            "append_scaling_4": ratio("register_4", "register_1"),
            "append_scaling_4_raw": ratio("raw_4", "raw_1"),
            "append_scaling_4_10ev": ratio("register10_4", "register10_1"),
            "append_ratio_10ev_events": paired_ratio(event_rates["register10_1"], rates["raw_1"]),
        },
        "profiles": profiles,
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000
