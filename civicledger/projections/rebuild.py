"""Rebuild read models from position zero, all read models at once, sharing the reads and decodes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from civicledger.projections.base import Projection, route

if TYPE_CHECKING:
    from civicledger.projections.runner import ProjectionRunner

# Events read per batch by a rebuild (at least the runner's batch size): fewer, larger transactions.
REBUILD_BATCH = 10_000


async def rebuild(runner: ProjectionRunner, names: Sequence[str] | None = None,
                  progress_factory: Callable[[str, int], Any] | None = None) -> dict[str, float]:
    """Rebuild read models from position zero, all at once: the log is read once, each batch decoded once
    and handed to every read model, each writing in its own transaction (in parallel). Returns events/second
    per read model and, under "*", the log's events per second of wall time."""
    horizon = await runner.log_horizon()
    chosen = [p for p in runner.projections if not names or p.name in names]
    for projection in chosen:
        await runner.reset(projection)
    # Bulk path: secondary indexes are built once at the end rather than maintained row by row. Unique ones
    # stay (upserts need them). A crash midway leaves them missing only until the next start re-creates them
    # (every projection's `create` is idempotent), and the rebuild must anyway be run again then.
    async with runner.pool.acquire() as conn:
        suspended = await _drop_secondary_indexes(conn, [t for p in chosen for t in p.tables])
    bars = {p.name: progress_factory(p.name, horizon) for p in chosen} if progress_factory else {}
    applied = dict.fromkeys((p.name for p in chosen), 0)
    decodes = any(p.decodes for p in chosen)
    # Only the topics these read models want are read (the server filters them), unless one wants every event;
    # erasures too, for the read models that hold personal data (`ProjectionRunner._topics_of`). Personal fields
    # are decrypted only in the topics a read model that reads them wants.
    topics: frozenset[str] | None = frozenset()
    for projection in chosen:
        wanted = runner._topics_of(projection)
        topics = None if wanted is None or topics is None else topics | wanted
    personal = _personal_topics(chosen)
    started = time.perf_counter()
    position = read = 0
    limit = max(runner.batch_size, REBUILD_BATCH)
    # The next batch is read while this one is written (another connection): reading the log and writing the
    # read models overlap.
    table: dict[str, list[int]] = {}  # topic -> the read models that want it (`route`)
    pending = asyncio.ensure_future(runner._read(position, topics, decodes, limit, shared=False,
                                                    personal=personal))
    try:
        while position < horizon:
            # The last batch may reach past the horizon (events written meanwhile): they are applied and tracked
            # like the rest, so the followers take over from `upto` and nothing is applied twice.
            batch, upto = await pending
            if upto <= position:
                break
            pending = asyncio.ensure_future(runner._read(upto, topics, decodes, limit, shared=False,
                                                        personal=personal))
            routed = route(chosen, batch, table)
            # One transaction per batch for every read model: one lock, one UPDATE, one NOTIFY, one commit.
            if not await runner.commit_together(chosen, batch, position, upto, durable=False, routed=routed):
                raise RuntimeError("another runner moved a read model during its rebuild; stop it and rebuild again")
            read += sum(1 for e in batch if e.position <= horizon)
            for p, own in zip(chosen, routed, strict=True):
                applied[p.name] += len(own)
                if p.name in bars:
                    bars[p.name].update(min(upto, horizon) - position)
            position = upto
    finally:
        pending.cancel()
        with contextlib.suppress(BaseException):
            await pending
    for bar in bars.values():
        bar.close()
    async with runner.pool.acquire() as conn:
        for statement in suspended:
            await conn.execute(statement)
    elapsed = time.perf_counter() - started
    rates = {name: count / elapsed if elapsed > 0 else 0.0 for name, count in applied.items()}
    rates["*"] = read / elapsed if elapsed > 0 else 0.0
    # The planner's statistics describe the tables' old contents (or none) until autovacuum comes around, which
    # may be long after a bulk load, or never on a server that runs without it: a generic plan made from none
    # (e.g. a search by name and district, keyed by a bitmap of the whole district) costs every read after.
    tables = [t for p in chosen for t in p.tables]
    if tables:
        async with runner.pool.acquire() as conn:
            await conn.execute("ANALYZE " + ", ".join(f'"{t}"' for t in dict.fromkeys(tables)))
    return rates


def _personal_topics(projections: Sequence[Projection]) -> frozenset[str] | None:
    """The topics whose personal fields some of these read models read; None: every topic (one of them wants
    every event and reads personal data)."""
    readers = [p for p in projections if p.decodes and p.reads_personal_data]
    if any(p.topics is None for p in readers):
        return None
    return frozenset().union(*(p.topics for p in readers if p.topics is not None))


async def _drop_secondary_indexes(conn: asyncpg.Connection, tables: Sequence[str]) -> list[str]:
    """Drop the non-unique indexes of these tables; return the statements that re-create them."""
    rows = await conn.fetch(
        "SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = current_schema() AND t.relname = ANY($1) AND NOT x.indisunique",
        list(tables),
    )
    for row in rows:
        await conn.execute(f'DROP INDEX IF EXISTS "{row["name"]}"')
    # IF NOT EXISTS: a start-up elsewhere may have re-created one meanwhile (`create` is idempotent too).
    # ON ONLY (a partitioned table's index) would re-create it on the parent alone, invalid and without its
    # partitions' indexes.
    return [row["definition"].replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(" ON ONLY ", " ON ", 1)
            for row in rows]
