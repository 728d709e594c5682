"""Follows the global log and keeps every read model up to date, in batches, exactly once.

Each projection runs in its own task with its own tracking row, so a slow one never holds back the others.
One batch is one transaction: lock the tracking row, check it still says where we started (another runner may
have moved it: then we reload and start over), write the rows, advance the row, NOTIFY the new position.
A crash anywhere leaves the previous committed state, so a restart resumes with nothing lost or doubled.

Events are read *outside* the write transaction, up to the safe horizon of the log (see the recorder), in a
single statement so that the batch and the horizon come from the same snapshot. Decoded events are shared
between projections through a small cache: projections at the same position decode each event once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from eventsourcing.persistence import StoredEvent

from civicledger.core.eventstore.horizon import bound_async, horizon_position_async
from civicledger.core.eventstore.keyring import KeyRing
from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.eventstore.sealed import fetch_keys
from civicledger.projections.base import ERASURE_TOPICS, Envelope, Projection, erased_residents

log = logging.getLogger(__name__)

CHANNEL = "civic_projection"
TRACKING = "projection_tracking"

# Statement 2 of a read (statement 1 computes the bound: see core/eventstore/horizon.py). The batch and the
# high-water mark come from one snapshot.
READ_BATCH = """
WITH h AS (
    SELECT notification_id AS hw FROM events
     WHERE tx < $4::text::xid8
     ORDER BY notification_id DESC LIMIT 1
)
SELECT (SELECT hw FROM h) AS hw, e.notification_id, e.originator_id, e.originator_version, e.topic, e.state,
       e.actor_id, e.actor_role, e.actor_office, e.actor_district, e.reason, e.correlation_id,
       e.causation_id, e.idempotency_key, e.origin
  FROM (SELECT 1) AS one
  LEFT JOIN LATERAL (
        SELECT * FROM events
         WHERE notification_id > $1 AND notification_id <= (SELECT hw FROM h)
           AND ($3::text[] IS NULL OR topic = ANY($3::text[]))
         ORDER BY notification_id LIMIT $2
  ) e ON true
"""


@dataclass
class Progress:
    name: str
    position: int
    processed: int = 0


class DecodeCache:
    """Decoded events by position, bounded; shared by the projection tasks of one runner."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._items: OrderedDict[int, Any] = OrderedDict()

    def get(self, position: int) -> Any:
        return self._items.get(position)

    def put(self, position: int, event: Any) -> None:
        self._items[position] = event
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


class ProjectionRunner:
    def __init__(self, pool: asyncpg.Pool, mapper: CivicMapper, keyring: KeyRing,
                 projections: Sequence[Projection], *, batch_size: int = 2000,
                 idle_interval: float = 0.05, max_idle_interval: float = 2.0) -> None:
        self.pool = pool
        self.mapper = mapper
        self.keyring = keyring
        self.projections = list(projections)
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.max_idle_interval = max_idle_interval
        self.cache = DecodeCache()
        self.positions: dict[str, int] = {}
        self.on_advance: list[Callable[[str, int], None]] = []
        self._wakes: dict[str, asyncio.Event] = {}
        self._stopping = asyncio.Event()
        self.errors: dict[str, BaseException] = {}

    # -- set-up -------------------------------------------------------------------------------------------

    async def create_tables(self) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('civicledger-projection-ddl'))")
            for projection in self.projections:
                await projection.create(conn)
                await conn.execute(
                    f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES ($1, 0)"
                    " ON CONFLICT (application_name) DO NOTHING",
                    projection.name,
                )
        await self.load_positions()

    async def load_positions(self) -> dict[str, int]:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)",
                [p.name for p in self.projections],
            )
        self.positions.update({r["application_name"]: r["notification_id"] or 0 for r in rows})
        return dict(self.positions)

    async def reset(self, projection: Projection) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SELECT 1 FROM {TRACKING} WHERE application_name = $1 FOR UPDATE", projection.name)
            await projection.reset(conn)
            await conn.execute(f"UPDATE {TRACKING} SET notification_id = 0 WHERE application_name = $1",
                               projection.name)
        self.positions[projection.name] = 0

    # -- reading ------------------------------------------------------------------------------------------

    async def _read(self, after: int, topics: frozenset[str] | None,
                    decodes: bool = True) -> tuple[list[Envelope], int]:
        async with self.pool.acquire() as conn:
            bound = await bound_async(conn)
            rows = await conn.fetch(READ_BATCH, after, self.batch_size, sorted(topics) if topics else None,
                                    str(bound))
            hw = rows[0]["hw"] if rows else None
            rows = [r for r in rows if r["notification_id"] is not None]
            if any(r["topic"] in ERASURE_TOPICS for r in rows):
                # Events decoded before an erasure may hold the erased resident's data in memory: drop them.
                self.cache.clear()
            # Only projections that read event bodies need keys; each resident's is fetched once per batch.
            keys = (await fetch_keys(conn, self.keyring, [r["state"] for r in rows] if decodes else [])).keys
        mapper, cache = self.mapper, self.cache

        def decode(envelope: Envelope) -> Any:
            cached = cache.get(envelope.position)
            if cached is not None:
                return cached
            event = mapper.to_domain_event(
                StoredEvent(envelope.stream_id, envelope.version, envelope.topic, envelope.state), keys
            )
            cache.put(envelope.position, event)
            return event

        batch = [
            Envelope(
                position=r["notification_id"], stream_id=r["originator_id"], version=r["originator_version"],
                topic=r["topic"], state=r["state"], actor_id=r["actor_id"], actor_role=r["actor_role"],
                actor_office=r["actor_office"], actor_district=r["actor_district"], reason=r["reason"],
                correlation_id=r["correlation_id"], causation_id=r["causation_id"],
                idempotency_key=r["idempotency_key"], origin=r["origin"], _decode=decode,
            )
            for r in rows
        ]
        if len(batch) == self.batch_size:
            return batch, batch[-1].position
        return batch, max(hw or after, after)

    # -- processing ---------------------------------------------------------------------------------------

    @staticmethod
    def _topics_of(projection: Projection) -> frozenset[str] | None:
        topics = projection.topics
        if projection.personal_columns and topics is not None:
            topics = topics | ERASURE_TOPICS  # erasures reach every read model that holds personal data
        return topics

    async def step(self, projection: Projection) -> int:
        """Process at most one batch; return how many events were applied (0 when caught up)."""
        start = self.positions.get(projection.name, 0)
        topics = self._topics_of(projection)
        batch, upto = await self._read(start, topics, projection.decodes)
        if upto <= start:
            return 0
        if not await self.commit(projection, batch, start, upto):
            return 0
        return len(batch)

    async def commit(self, projection: Projection, batch: Sequence[Envelope], start: int, upto: int) -> bool:
        """Apply the part of `batch` this projection reads and move its tracking row from `start` to `upto`, in
        one transaction; False (nothing written) when another runner has moved the row meanwhile."""
        async with self.pool.acquire() as conn, conn.transaction():
            current = await conn.fetchval(
                f"SELECT notification_id FROM {TRACKING} WHERE application_name = $1 FOR UPDATE", projection.name
            )
            if current != start:
                # Someone else (another worker) advanced this projection: take their position, redo.
                self.positions[projection.name] = current or 0
                return False
            own = [e for e in batch if projection.wants(e.topic)]
            if own:
                await projection.apply(conn, own)
            erased = erased_residents(batch) if projection.personal_columns else []
            if erased:
                await projection.scrub_personal_data(conn, erased)
            await conn.execute(f"UPDATE {TRACKING} SET notification_id = $2 WHERE application_name = $1",
                               projection.name, upto)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{projection.name}:{upto}")
        self.positions[projection.name] = upto
        for callback in self.on_advance:
            callback(projection.name, upto)
        return True

    async def catch_up(self, projection: Projection | None = None,
                       progress: Callable[[str, int, int], None] | None = None) -> int:
        """Run until caught up with the log as it stands; return events applied."""
        total = 0
        for p in [projection] if projection else self.projections:
            while True:
                applied = await self.step(p)
                total += applied
                if progress:
                    progress(p.name, self.positions.get(p.name, 0), applied)
                if applied == 0 and self.positions.get(p.name, 0) >= await self.log_horizon():
                    break
        return total

    async def log_horizon(self) -> int:
        async with self.pool.acquire() as conn:
            return await horizon_position_async(conn)

    def wake(self) -> None:
        for event in self._wakes.values():
            event.set()

    async def _follow(self, projection: Projection) -> None:
        delay = self.idle_interval
        while not self._stopping.is_set():
            try:
                applied = await self.step(projection)
            except (asyncpg.PostgresConnectionError, OSError, asyncpg.InterfaceError) as exc:
                log.warning("projection %s: database unavailable (%s); retrying", projection.name, exc)
                applied = 0
                await asyncio.sleep(1.0)
            except Exception as exc:
                # A projection bug must be seen, not skipped: stop this projection, keep the others going.
                log.exception("projection %s failed at position %s", projection.name,
                              self.positions.get(projection.name))
                self.errors[projection.name] = exc
                return
            if applied:
                delay = self.idle_interval
                continue
            wake = self._wakes.setdefault(projection.name, asyncio.Event())
            wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)
            delay = min(delay * 2, self.max_idle_interval)

    async def _watch_horizon(self) -> None:
        """One cheap probe for all projections: wake them when the log's safe horizon moves (writes from
        other processes; writers in this process wake us directly)."""
        last = -1
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):
                horizon = await self.log_horizon()
                if horizon != last:
                    last = horizon
                    self.wake()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self.idle_interval)

    async def run(self) -> None:
        await self.load_positions()
        await asyncio.gather(self._watch_horizon(), *(self._follow(p) for p in self.projections))

    def stop(self) -> None:
        self._stopping.set()
        self.wake()


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
    started = time.perf_counter()
    position = read = 0
    while position < horizon:
        # The last batch may reach past the horizon (events written meanwhile): they are applied and tracked
        # like the rest, so the followers take over from `upto` and nothing is applied twice.
        batch, upto = await runner._read(position, None, decodes)
        if upto <= position:
            break
        results = await asyncio.gather(*(runner.commit(p, batch, position, upto) for p in chosen))
        if not all(results):
            raise RuntimeError("another runner moved a read model during its rebuild; stop it and rebuild again")
        read += sum(1 for e in batch if e.position <= horizon)
        for p in chosen:
            applied[p.name] += sum(1 for e in batch if p.wants(e.topic))
            if p.name in bars:
                bars[p.name].update(min(upto, horizon) - position)
        position = upto
    for bar in bars.values():
        bar.close()
    async with runner.pool.acquire() as conn:
        for statement in suspended:
            await conn.execute(statement)
    elapsed = time.perf_counter() - started
    rates = {name: count / elapsed if elapsed > 0 else 0.0 for name, count in applied.items()}
    rates["*"] = read / elapsed if elapsed > 0 else 0.0
    return rates


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
