"""Rebuild read models from position zero, all read models at once, sharing the reads and decodes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from civicledger.projections.base import Envelope, Projection, route

if TYPE_CHECKING:
    from civicledger.projections.runner import ProjectionRunner

# Events read per batch by a rebuild (at least the runner's batch size): fewer, larger transactions.
REBUILD_BATCH = 10_000


async def rebuild(runner: ProjectionRunner, names: Sequence[str] | None = None,
                  progress_factory: Callable[[str, int], Any] | None = None, *,
                  ranges: Mapping[str, tuple[int, int]] | None = None) -> dict[str, float]:
    """Rebuild read models from position zero, all at once: the log is read once, each batch decoded once
    and handed to every read model, each writing in its own transaction (in parallel). Returns events/second
    per read model and, under "*", the log's events per second of wall time.

    `ranges` (read model -> (after, upto)) makes this one part of a rebuild split over processes
    (`civicledger.rebuild`): those read models get only the events after `after` up to `upto`, and the caller
    has emptied them and dropped their secondary indexes, and moves their tracking rows once every part is
    written (here they are only checked to be still at 0). When every read model is such a part, only the range
    is read."""
    ranges = ranges or {}
    horizon = await runner.log_horizon()
    chosen = [p for p in runner.projections if not names or p.name in names]
    whole = [p for p in chosen if p.name not in ranges]
    parts = [p for p in chosen if p.name in ranges]
    for projection in whole:
        await runner.reset(projection)
    # Bulk path: secondary indexes are built once at the end rather than maintained row by row. Unique ones
    # stay (upserts need them). A crash midway leaves them missing only until the next start re-creates them
    # (every projection's `create` is idempotent), and the rebuild must anyway be run again then.
    async with runner.pool.acquire() as conn:
        suspended = await _drop_secondary_indexes(conn, [t for p in whole for t in p.tables])
    first = 0 if whole or not parts else min(ranges[p.name][0] for p in parts)
    end = horizon if whole or not parts else max(ranges[p.name][1] for p in parts)
    bars = {p.name: progress_factory(p.name, end - first) for p in chosen} if progress_factory else {}
    applied = dict.fromkeys((p.name for p in chosen), 0)
    decodes = any(p.decodes for p in chosen)
    # Only the topics these read models want are read (the server filters them), unless one wants every event;
    # erasures too, for the read models that hold personal data (`ProjectionRunner._topics_of`). Personal fields
    # are decrypted only in the topics a read model that reads them wants.
    topics = _union_of_topics(runner, chosen)
    # Outside every part's range only the whole read models' topics are read (the audit log of a part wants every
    # event, but only in its range): a read stops at the start of a range (`_next`) to change its topics there.
    outside = _union_of_topics(runner, whole) if parts else topics
    spans = sorted({ranges[p.name] for p in parts})
    personal = _personal_topics(chosen)

    def reading(at: int) -> tuple[frozenset[str] | None, int | None]:
        """The topics to read after position `at`, and where that read must stop (the next range's start)."""
        if outside == topics or any(after <= at < until for after, until in spans):
            return topics, None
        return outside, next((after for after, _ in spans if after > at), None)

    def read_from(at: int) -> asyncio.Future[tuple[list[Envelope], int]]:
        wanted, stop = reading(at)
        return asyncio.ensure_future(_next(runner._read(at, wanted, decodes, limit, shared=False,
                                                        personal=personal), stop))

    started = time.perf_counter()
    position = first
    read = 0
    limit = max(runner.batch_size, REBUILD_BATCH)
    # The next batch is read while this one is written (another connection): reading the log and writing the
    # read models overlap.
    table: dict[str, list[int]] = {}  # topic -> the read models that want it (`route`)
    bounds = [ranges[p.name] for p in parts]
    pending = read_from(position)
    try:
        while position < end:
            # The last batch may reach past the horizon (events written meanwhile): they are applied and tracked
            # like the rest, so the followers take over from `upto` and nothing is applied twice.
            batch, upto = await pending
            if upto <= position:
                break
            pending = read_from(upto)
            routed = route(chosen, batch, table)
            own = dict(zip((p.name for p in chosen), routed, strict=True))
            held = [(p, _within(own[p.name], after, until)) for p, (after, until) in zip(parts, bounds, strict=True)]
            # One transaction per batch for every read model: one lock, one UPDATE, one NOTIFY, one commit.
            if not await runner.commit_together(whole, batch, position, upto, durable=False,
                                                routed=[own[p.name] for p in whole], held=held):
                raise RuntimeError("another runner moved a read model during its rebuild; stop it and rebuild again")
            read += sum(1 for e in batch if e.position <= end)
            for p in whole:
                applied[p.name] += len(own[p.name])
            for p, part in held:
                applied[p.name] += len(part)
            for bar in bars.values():
                bar.update(min(upto, end) - position)
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
    # (The parts' tables are analyzed by whoever split them, once every part is written.)
    await analyze(runner.pool, [t for p in whole for t in p.tables])
    return rates


def _union_of_topics(runner: ProjectionRunner, projections: Sequence[Projection]) -> frozenset[str] | None:
    """The topics a read for these read models reads: None for every one."""
    topics: frozenset[str] | None = frozenset()
    for projection in projections:
        wanted = runner._topics_of(projection)
        topics = None if wanted is None or topics is None else topics | wanted
    return topics


async def _next(read: Any, stop: int | None) -> tuple[list[Envelope], int]:
    """A read's batch and the position it reaches, cut at `stop` (what lies beyond is read again from there)."""
    batch, upto = await read
    if stop is None or upto <= stop:
        return batch, upto
    return [e for e in batch if e.position <= stop], stop


def _within(envelopes: Sequence[Envelope], after: int, upto: int) -> Sequence[Envelope]:
    """The envelopes after position `after` up to `upto` (envelopes in position order)."""
    if not envelopes or (envelopes[0].position > after and envelopes[-1].position <= upto):
        return envelopes
    return [e for e in envelopes if after < e.position <= upto]


async def analyze(pool: asyncpg.Pool, tables: Sequence[str]) -> None:
    if tables:
        async with pool.acquire() as conn:
            await conn.execute("ANALYZE " + ", ".join(f'"{t}"' for t in dict.fromkeys(tables)))


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
