"""Partitioned `client_timeline` (16 hash partitions by resident) against one table, same rows: bytes per row
and the timeline page read (`timeline_page`, 50 entries, random residents) — the figures docs/CAPACITY.md
quotes.   python -m bench.timeline_partitions [--residents 20000 --rows 50]"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

import asyncpg

from civicledger.core.db import ConnectionParams
from civicledger.ops.cluster import LocalCluster
from civicledger.ops.processes import free_port, work_directory
from civicledger.projections.client_timeline import COLUMNS, ClientTimelineProjection, timeline_page

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


async def fill(conn: asyncpg.Connection, residents: list[uuid.UUID], rows: int) -> None:
    records = [(r, i * rows + n, r, n, "residents", "Resident.AddressChanged", "地址变更", "cw", "caseworker",
                "HAIZHU-JIANGHAI-STATION", WHEN, str(uuid.uuid4())) for i, r in enumerate(residents)
               for n in range(rows)]
    for start in range(0, len(records), 100_000):
        await conn.copy_records_to_table("client_timeline", records=records[start:start + 100_000],
                                         columns=list(COLUMNS))
    await conn.execute("VACUUM ANALYZE client_timeline")


async def measure(params: ConnectionParams, residents: int, rows: int) -> dict[str, float]:
    people = [uuid.uuid4() for _ in range(residents)]
    conn = await asyncpg.connect(params.url)
    try:
        await ClientTimelineProjection(None, []).create(conn)  # type: ignore[arg-type]
        await fill(conn, people, rows)
        size = await conn.fetchval("SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM"
                                   " pg_partition_tree('client_timeline')), pg_total_relation_size('client_timeline'))")
        rng = random.Random(7)
        for _ in range(200):  # warm
            await timeline_page(conn, rng.choice(people), limit=50)
        times = []
        for _ in range(3000):
            started = time.perf_counter()
            await timeline_page(conn, rng.choice(people), limit=50)
            times.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return {"bytes_per_row": round(float(size) / (residents * rows), 1), "page_ms_median": round(statistics.median(times) * 1e3, 3),
            "page_ms_p99": round(sorted(times)[int(len(times) * 0.99)] * 1e3, 3)}


async def main_async(residents: int, rows: int) -> dict[str, dict[str, float]]:
    with work_directory("civicledger-partitions") as directory:
        cluster = LocalCluster(directory / "pg", free_port(5525, 5529)).init(settings={"shared_buffers": "256MB"})
        cluster.start()
        try:
            partitioned = await measure(cluster.create_database("partitioned"), residents, rows)
            single = cluster.create_database("single")
            conn = await asyncpg.connect(single.url)
            await conn.execute("CREATE TABLE client_timeline (resident_id uuid NOT NULL, position bigint NOT NULL,"
                               " stream_id uuid NOT NULL, stream_version bigint NOT NULL, program text NOT NULL,"
                               " kind text NOT NULL, summary text NOT NULL, actor_id text, actor_role text,"
                               " actor_office text, occurred_at timestamptz NOT NULL, correlation_id text,"
                               " PRIMARY KEY (resident_id, position))")
            await conn.close()
            return {"partitioned": partitioned, "single_table": await measure(single, residents, rows)}
        finally:
            cluster.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args.residents, args.rows))))


if __name__ == "__main__":
    main()
