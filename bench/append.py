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
        profile: bool = False, cells: tuple[tuple[str, str, int], ...] = CELLS,
        existing: int = 1000) -> dict[str, Any]:
    """Every cell (or the given ones: the ratios whose two cells ran are reported, the others are None);
    `existing_1` changes the addresses of `existing` residents registered first, in turn."""
    pool.run("prepare_raw", 1)
    if any(kind == "existing" for _, kind, _ in cells):
        pool.run("prepare_existing", 1, count=existing)
    # Warm-up: every path once (connections, prepared statements, imports, caches), and the payload size.
    for _, kind, writers in cells:
        pool.run(kind, writers, duration=0.3, payload_bytes=600)
    size = payload_size(db_url)
    log(f"append: payload {size} bytes per event; {rounds} rounds x {len(cells)} cells x {window:.1f}s")

    rates: dict[str, list[float]] = {name: [] for name, _, _ in cells}
    event_rates: dict[str, list[float]] = {name: [] for name, _, _ in cells}
    latencies: dict[str, list[float]] = {name: [] for name, _, _ in cells}
    for r in range(rounds):
        order = cells[r % len(cells):] + cells[: r % len(cells)]
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
            if name not in rates:
                continue
            profiles[name] = pool.run(kind, writers, duration=window, payload_bytes=size, profile=True)[0]["profile"]

    def ratio(a: str, b: str, of: dict[str, list[float]] = rates) -> dict[str, Any] | None:
        return paired_ratio(of[a], rates[b]) if a in of and b in rates else None

    cells = {
        name: {
            "ops_per_s": summary(rates[name]),
            "events_per_s": summary(event_rates[name]),
            "latency_ms": {"p50": _ms(percentile(latencies[name], 50)), "p99": _ms(percentile(latencies[name], 99))},
        }
        for name, _, _ in cells
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
            "append_ratio_10ev_events": ratio("register10_1", "raw_1", event_rates),
        },
        "profiles": profiles,
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000



def main(argv: list[str]) -> int:
    """`python -m bench.append`: the append cells alone (or some of them), on a fresh database of their own."""
    import argparse
    import json
    import secrets

    from bench.harness import Log, bench_database
    from civicledger import migrations

    parser = argparse.ArgumentParser(prog="python -m bench.append")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--window", type=float, default=2.0)
    parser.add_argument("--cells", default="", help="comma-separated cell names (default: every cell), e.g. "
                                                     "raw_1,register_1,store_1")
    parser.add_argument("--profile", action="store_true", help="cProfile tables of register_1 and existing_1")
    args = parser.parse_args(argv)
    wanted = set(args.cells.split(",")) if args.cells else {name for name, _, _ in CELLS}
    cells = tuple(c for c in CELLS if c[0] in wanted)
    log = Log()
    with bench_database(log) as params:
        migrations.upgrade(params)
        pool = WriterPool(max(w for _, _, w in cells), db_url=params.url, master_key=secrets.token_bytes(32))
        try:
            out = run(pool, params.url, rounds=args.rounds, window=args.window, log=log, profile=args.profile,
                      cells=cells)
        finally:
            pool.close()
    for name, figure in out["ratios"].items():
        if figure is not None:
            print(f"{name}: {json.dumps(figure, default=str)}")
    for name, cell in out["cells"].items():
        print(f"{name}: {json.dumps(cell['ops_per_s'], default=str)}, p50 {cell['latency_ms']['p50']:.3f} ms")
    for name, table in out["profiles"].items():
        print(f"--- {name}\n{table}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
