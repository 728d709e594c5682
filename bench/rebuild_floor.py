"""What a rebuild cannot go below: the floors of `rebuild_realistic_events_per_s`, measured on a database whose
read models were just rebuilt (`python -m bench.rebuild_realistic` leaves one).

Three parts of a rebuild that no read model's handler can remove, each measured alone, in CPU seconds:

- `read`: the log read in rebuild batches (the runner's own read, the topics every read model wants) with no
  event decoded: asyncpg's parsing of the rows and the envelopes (client), the index scans (server).
- `decode`: the same read, every event decoded once (JSON, unsealing of the personal fields the read models
  read, coercion to the event's types), as a rebuild decodes each event once for all read models; minus `read`.
- `write`: PostgreSQL alone writing every read model's final rows: each table copied into an empty clone in one
  `INSERT … SELECT` and the clone's indexes built, with no client in the loop (the cheapest way the server can
  come to hold those rows; a rebuild's upserts from a client cost more).

A rebuild of N events at R events/s on C cores has at most N / R × C CPU seconds; what is left of that budget
after the floors is what every read model's handlers (and their upserts) may spend (`handlers_budget_s`).
Run: `python -m bench.rebuild_floor [--target 30000]` with `DATABASE_URL` set."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

import psycopg

from bench import procinfo
from civicledger.core.db import ConnectionParams
from civicledger.settings import Settings


async def read_floor(settings: Settings, params: ConnectionParams, *, decode: bool) -> dict[str, float]:
    """The log read as a rebuild of every read model reads it; every event decoded when `decode`."""
    from civicledger.projections.rebuild import REBUILD_BATCH, _personal_topics, _union_of_topics
    from civicledger.runtime import Runtime

    runtime = Runtime(settings, params)
    await runtime.start(run_projections=False)
    try:
        runner = runtime.runner
        assert runner is not None
        chosen = list(runner.projections)
        topics, personal = _union_of_topics(runner, chosen), _personal_topics(chosen)
        horizon = await runner.log_horizon()
        async with runner.pool.acquire() as conn:
            backends = [r[0] for r in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
        client, server, started = time.process_time(), procinfo.cpu_seconds(backends), time.perf_counter()
        position = events = 0
        while position < horizon:
            batch, upto = await runner._read(position, topics, True, REBUILD_BATCH, shared=False, personal=personal)
            if decode:
                for envelope in batch:
                    envelope.event  # noqa: B018 (decoded on first use, as a read model's handler does)
            events += len(batch)
            if upto <= position:
                break
            position = upto
        return {"events": events, "wall_s": time.perf_counter() - started,
                "client_cpu_s": time.process_time() - client,
                "server_cpu_s": procinfo.cpu_seconds(backends) - server,
                "tables": sorted({t for p in chosen for t in p.tables})}
    finally:
        await runtime.close()


def write_floor(params: ConnectionParams, tables: list[str]) -> dict[str, Any]:
    """PostgreSQL's CPU to write these read-model tables' rows and indexes as they stand, from the server's own
    copy of them (the clones are dropped after)."""
    per_table: list[dict[str, Any]] = []
    with psycopg.connect(params.url, autocommit=True) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET synchronous_commit = off")  # as a rebuild commits its batches
        for table in tables:
            rows = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            if not rows:
                continue
            indexes = [r[0] for r in conn.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", (table,))]
            clone = f"floor_{table}"
            conn.execute(f'DROP TABLE IF EXISTS "{clone}"')
            before = procinfo.cpu_seconds([backend])
            conn.execute(f'CREATE TABLE "{clone}" (LIKE "{table}" INCLUDING DEFAULTS)')
            conn.execute(f'INSERT INTO "{clone}" SELECT * FROM "{table}"')
            for number, definition in enumerate(indexes):
                unique = "UNIQUE " if definition.startswith("CREATE UNIQUE") else ""
                how = definition[definition.index(" USING "):]  # " USING btree (columns) ..."
                conn.execute(f'CREATE {unique}INDEX "{clone}_{number}" ON "{clone}"{how}')
            cpu = procinfo.cpu_seconds([backend]) - before
            conn.execute(f'DROP TABLE "{clone}"')
            per_table.append({"table": table, "rows": rows, "indexes": len(indexes), "server_cpu_s": round(cpu, 2)})
    per_table.sort(key=lambda t: -t["server_cpu_s"])
    return {"server_cpu_s": sum(t["server_cpu_s"] for t in per_table), "rows": sum(t["rows"] for t in per_table),
            "tables": per_table}


def floors(settings: Settings, params: ConnectionParams, *, target: float, cores: int) -> dict[str, Any]:
    read = asyncio.run(read_floor(settings, params, decode=False))
    decoded = asyncio.run(read_floor(settings, params, decode=True))
    write = write_floor(params, read["tables"])
    events = read["events"]
    budget = events / target * cores
    read_cpu = read["client_cpu_s"] + read["server_cpu_s"]
    decode_cpu = decoded["client_cpu_s"] - read["client_cpu_s"]
    floor = read_cpu + decode_cpu + write["server_cpu_s"]
    return {"events": events, "target_events_per_s": target, "cores": cores, "budget_cpu_s": budget,
            "read_cpu_s": read_cpu, "read_client_cpu_s": read["client_cpu_s"], "decode_cpu_s": decode_cpu,
            "write_cpu_s": write["server_cpu_s"], "floor_cpu_s": floor, "handlers_budget_s": budget - floor,
            "read_models_rows": write["rows"], "write_tables": write["tables"][:12]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_floor")
    parser.add_argument("--target", type=float, default=30_000.0, help="events/s the budget is computed for")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    params = ConnectionParams.from_url(settings.database_url or "")
    found = floors(settings, params, target=args.target, cores=args.cores)
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in found.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
