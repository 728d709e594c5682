"""Measured costs for the city-scale capacity model (docs/CAPACITY.md).

    python -m bench.capacity [--residents 2000] [--out bench/capacity.json]

Loads the demo population (residents, households, a year of social assistance, three-society linkage) through
the real services into a throwaway cluster of its own (so that no other database's WAL is counted), then
measures: commands (one append = one transaction) and events per program, bytes per event on disk (table,
indexes, TOAST), the side tables per command, WAL bytes per command (`pg_current_wal_lsn()` before and
after), WAL and bytes of every read model per event projected, and a rebuild's events per second."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import asyncpg

from civicledger import demo
from civicledger.ops.checksums import read_model_tables
from civicledger.ops.cluster import LocalCluster
from civicledger.ops.processes import free_port, work_directory
from civicledger.projections.runner import rebuild
from civicledger.runtime import Runtime
from civicledger.settings import Settings

PROGRAM = "split_part(split_part(topic, ':', 1), '.', 3)"


async def _lsn(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


async def measure(residents: int, directory: Path) -> dict[str, Any]:
    cluster = LocalCluster(directory / "pg", free_port(5525, 5529))
    cluster.init(settings={"shared_buffers": "256MB", "max_wal_size": "2GB", "checkpoint_timeout": "30min"}).start()
    try:
        params = cluster.create_database("civicledger")
        settings = Settings(master_key=bytes(range(32)), checkpoint_key=bytes(range(32, 64)), environment="bench",
                            data_dir=directory)
        runtime = Runtime(settings, params)
        await runtime.start(run_projections=False)
        assert runtime.pool is not None and runtime.runner is not None
        try:
            async with runtime.pool.acquire() as conn:
                wal0, started = await _lsn(conn), time.perf_counter()
                loaded = await asyncio.to_thread(demo.load, runtime.services, residents)
                wal1, load_s = await _lsn(conn), time.perf_counter() - started
                await runtime.runner.catch_up()
                wal2 = await _lsn(conn)
                figures = await _figures(conn)
            started = time.perf_counter()
            rates = await rebuild(runtime.runner)
            rebuild_s = time.perf_counter() - started
        finally:
            await runtime.close()
    finally:
        cluster.close()
    events, commands = figures["events"], figures["commands"]
    return {
        "residents": loaded, "load_seconds": round(load_s, 1), **figures,
        "events_per_command": round(events / commands, 3),
        "events_per_resident": round(events / loaded, 2),
        "event_log_bytes_per_event": round(figures["events_table_bytes"] / events, 1),
        "side_tables_bytes_per_command": round(figures["side_tables_bytes"] / commands, 1),
        "wal_bytes_per_command": round((wal1 - wal0) / commands, 1),
        "wal_bytes_per_event_projected": round((wal2 - wal1) / events, 1),
        "read_model_bytes_per_event": round(figures["read_model_bytes"] / events, 1),
        "rebuild_events_per_s": round(rates.get("*", 0.0)), "rebuild_seconds": round(rebuild_s, 1),
    }


async def _figures(conn: asyncpg.Connection) -> dict[str, Any]:
    by_program = await conn.fetch(
        f"SELECT {PROGRAM} AS program, count(*) AS events, count(DISTINCT tx) AS commands FROM events GROUP BY 1")
    tables = read_model_tables()
    sizes = {r["t"]: r["bytes"] for r in await conn.fetch(
        "SELECT t, coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(t::regclass)),"
        " pg_total_relation_size(t::regclass)) AS bytes"
        " FROM unnest($1::text[]) AS t", tables)}
    return {
        "events": await conn.fetchval("SELECT count(*) FROM events"),
        "commands": await conn.fetchval("SELECT count(DISTINCT tx) FROM events"),
        "by_program": {r["program"]: {"events": r["events"], "commands": r["commands"]} for r in by_program},
        "events_table_bytes": await conn.fetchval("SELECT pg_total_relation_size('events')"),
        "events_toast_bytes": await conn.fetchval("SELECT pg_total_relation_size(reltoastrelid) FROM pg_class"
                                                  " WHERE relname = 'events'"),
        "events_heap_bytes": await conn.fetchval("SELECT pg_relation_size('events')"),
        "events_index_bytes": await conn.fetchval("SELECT pg_indexes_size('events')"),
        "mean_payload_bytes": round(float(await conn.fetchval("SELECT avg(octet_length(state)) FROM events")), 1),
        "side_tables_bytes": await conn.fetchval(
            "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(ARRAY['idempotency_keys', 'claims',"
            " 'subject_keys']) AS t"),
        "read_model_bytes": sum(sizes.values()),
        "read_model_table_bytes": dict(sorted(sizes.items(), key=lambda kv: -kv[1])),
        "timeline_rows": await conn.fetchval("SELECT count(*) FROM client_timeline"),
        "timeline_bytes_per_row": round(sizes.get("client_timeline", 0)
                                        / max(1, await conn.fetchval("SELECT count(*) FROM client_timeline")), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--out", default="bench/capacity.json")
    args = parser.parse_args()
    with work_directory("civicledger-capacity") as directory:
        result = asyncio.run(measure(args.residents, directory))
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False, default=int) + "\n")
    print(json.dumps(result, ensure_ascii=False, default=int))


if __name__ == "__main__":
    main()
