"""Follows the global log and keeps every read model up to date, in batches, exactly once.

Each projection runs in its own task with its own tracking row, so a slow one never holds back the others.
One batch is one transaction: lock the tracking row, check it still says where we started (another runner may
have moved it: then we reload and start over), write the rows, advance the row, NOTIFY the new position.
A crash anywhere leaves the previous committed state, so a restart resumes with nothing lost or doubled.

Events are read *outside* the write transaction, up to the safe horizon of the log (see the recorder), in a
single statement so that the batch and the horizon come from the same snapshot. Decoded events are shared
between projections through a small cache: projections at the same position decode each event once.

A database that goes away (restart, failover, "too many clients", "not yet accepting connections", a
serialization failure) is waited out with capped exponential backoff and jitter, logged once per outage; only
an error from a projection's own code stops that projection, and it stays visible: in `errors` here and, for
other processes (`/readyz`), as a row of `projection_failures` until a runner starts it again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from asyncpg.pgproto.pgproto import UUID as FastUUID
from eventsourcing.persistence import StoredEvent

from civicledger.core.aio import within
from civicledger.core.eventstore import codec
from civicledger.core.eventstore.horizon import bound_async, horizon_position_async
from civicledger.core.eventstore.keyring import KeyRing
from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.eventstore.sealed import fetch_keys
from civicledger.core.transient import Backoff, Outage, is_transient, pause
from civicledger.projections import failures
from civicledger.projections.base import ERASURE_TOPICS, Envelope, Projection, erased_residents, route
from civicledger.projections.rebuild import rebuild

__all__ = ["CHANNEL", "TRACKING", "DecodeCache", "ProjectionRunner", "notification", "parse_notification", "rebuild",
           "route"]

log = logging.getLogger(__name__)

CHANNEL = "civic_projection"
TRACKING = "projection_tracking"
VERSIONS = "read_model_versions"  # made by migration 0002
# At most this many residents are named in a notification (the payload stays far below NOTIFY's 8000 bytes);
# a batch that touched more announces a change of the whole read model.
NOTIFIED_RESIDENTS = 100


def notification(name: str, position: int, residents: frozenset[str] | None) -> str:
    """The payload on `CHANNEL`: `name:position`, then `|` and the residents whose rows changed (comma
    separated, possibly none) when the runner knows them; without `|`, any row may have changed."""
    head = f"{name}:{position}"
    return head if residents is None else head + "|" + ",".join(sorted(residents))


def parse_notification(payload: str) -> tuple[str, int, frozenset[str] | None]:
    head, bar, tail = payload.partition("|")
    name, _, position = head.rpartition(":")
    residents = frozenset(r for r in tail.split(",") if r) if bar else None
    return name, int(position), residents


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
                 idle_interval: float = 0.05, max_idle_interval: float = 2.0, label: str = "projections",
                 max_backoff: float = 5.0) -> None:
        self.pool = pool
        self.mapper = mapper
        codec.make_uuids_with(FastUUID)  # (see `make_uuids_with`: the driver's own class, C throughout)
        self.keyring = keyring
        self.projections = list(projections)
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.max_idle_interval = max_idle_interval
        self.cache = DecodeCache()
        self.positions: dict[str, int] = {}
        # (read model, position, residents whose rows changed or None for any) after every committed batch.
        self.on_advance: list[Callable[[str, int, frozenset[str] | None], None]] = []
        self._wakes: dict[str, asyncio.Event] = {}
        self._stopping = asyncio.Event()
        self.errors: dict[str, BaseException] = {}  # stopped for good: a projection's own error
        self.retrying: set[str] = set()  # waiting out a transient database condition
        # Attempts each read model has made that met a transient database condition, since this runner started
        # (`/readyz` shows them: an operator sees which read models are waiting out an outage, and how long).
        self.retries: dict[str, int] = {}
        self.outage = Outage(log, label)
        self.max_backoff = max_backoff

    # -- set-up -------------------------------------------------------------------------------------------

    async def create_tables(self) -> None:
        """Create what is missing; first drop every read model built with another `schema_version` than its
        projection declares now (`read_model_versions`): it is rebuilt from position zero by this runner."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('statement_timeout', '0', true),"
                               " pg_advisory_xact_lock(hashtext('civicledger-projection-ddl'))")
            built = {r["name"]: r["schema_version"]
                     for r in await conn.fetch(f"SELECT name, schema_version FROM {VERSIONS}")}
            for projection in self.projections:
                version = built.get(projection.name)
                if version is not None and version != projection.schema_version:
                    log.warning("read model %s was built with schema version %s, the code declares %s: dropped,"
                                " to be rebuilt from the log", projection.name, version, projection.schema_version)
                    for table in projection.tables:
                        await conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
                    await conn.execute(f"UPDATE {TRACKING} SET notification_id = 0 WHERE application_name = $1",
                                       projection.name)
                await projection.create(conn)
                await conn.execute(
                    f"INSERT INTO {TRACKING} (application_name, notification_id) VALUES ($1, 0)"
                    " ON CONFLICT (application_name) DO NOTHING",
                    projection.name,
                )
                if version != projection.schema_version:
                    await conn.execute(
                        f"INSERT INTO {VERSIONS} (name, schema_version) VALUES ($1, $2) ON CONFLICT (name)"
                        " DO UPDATE SET schema_version = excluded.schema_version, built_at = now()",
                        projection.name, projection.schema_version)
            await conn.execute(failures.CREATE)
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
                    decodes: bool = True, limit: int | None = None,
                    shared: bool = True, personal: frozenset[str] | None = None) -> tuple[list[Envelope], int]:
        """A batch after position `after` and the position it reaches. `shared=False` (a rebuild: every read
        model takes the same envelopes, which keep their decoded event) decodes without the shared cache, and
        then `personal`, when given, are the only topics whose personal fields are decrypted (the topics a read
        model that reads personal data wants): the others' read back as an erased resident's do, None, and
        need no key."""
        limit = limit or self.batch_size
        async with self.pool.acquire() as conn:
            if shared:
                bound = await bound_async(conn)
                rows = await conn.fetch(READ_BATCH, after, limit, sorted(topics) if topics else None, str(bound))
            else:
                # A rebuild reads from far behind the end of the log on fresh connections, and the first plans of
                # a prepared statement are custom ones: one knows where the batch starts but not the high-water
                # mark, takes the rest of the log for a few thousand rows and sorts it all (on disk) for the
                # first `limit` of it — a pass over the whole log per batch, for the first five batches of each
                # connection. Sorting is switched off for the read (the index gives the order); in a READ
                # COMMITTED transaction each statement still takes its own snapshot, as the horizon requires.
                async with conn.transaction(isolation="read_committed", readonly=True):
                    await conn.execute("SET LOCAL enable_sort = off")
                    bound = await bound_async(conn)
                    rows = await conn.fetch(READ_BATCH, after, limit, sorted(topics) if topics else None,
                                            str(bound))
            hw = rows[0]["hw"] if rows else None
            rows = [r for r in rows if r["notification_id"] is not None]
            if any(r["topic"] in ERASURE_TOPICS for r in rows):
                # Events decoded before an erasure may hold the erased resident's data in memory: drop them.
                self.cache.clear()
            # Only projections that read event bodies need keys; each resident's is fetched once per batch.
            sealed = [] if not decodes else [r["state"] for r in rows] if personal is None or shared else [
                r["state"] for r in rows if r["topic"] in personal]
            keys = (await fetch_keys(conn, self.keyring, sealed)).keys
        mapper, cache = self.mapper, self.cache
        no_keys: dict[Any, bytes | None] = {}

        def decode_once(envelope: Envelope) -> Any:
            return mapper.decode(envelope.stream_id, envelope.version, envelope.topic, envelope.state,
                                 keys if personal is None or envelope.topic in personal else no_keys)

        def decode(envelope: Envelope) -> Any:
            cached = cache.get(envelope.position)
            if cached is not None:
                return cached
            event = mapper.to_domain_event(
                StoredEvent(envelope.stream_id, envelope.version, envelope.topic, envelope.state), keys
            )
            cache.put(envelope.position, event)
            return event

        # READ_BATCH's columns after `hw` are the envelope's fields in order (position ... origin).
        how = decode if shared else decode_once
        batch = [Envelope(*r[1:], how) for r in rows]
        if len(batch) == limit:
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
            # The API's statement timeout (on a pool it may share with us) is no bound for a read model's batch.
            current = await conn.fetchval(
                f"SELECT set_config('statement_timeout', '0', true), notification_id FROM {TRACKING}"
                " WHERE application_name = $1 FOR UPDATE", projection.name, column=1)
            if current != start:
                # Someone else (another worker) advanced this projection: take their position, redo.
                self.positions[projection.name] = current or 0
                return False
            if start == 0:
                # A read model at position 0 holds nothing: empty it with its first batch. Rows there were left by
                # a rebuild in parts (`civicledger.rebuild`) whose parent process died before it moved the
                # tracking rows; applying on top of them would stop this read model on a duplicate key.
                await projection.reset(conn)
            own = [e for e in batch if projection.wants(e.topic)]
            if own:
                await projection.apply(conn, own)
            erased = erased_residents(batch) if projection.personal_columns else []
            if erased:
                await projection.scrub_personal_data(conn, erased)
            touched = self._touched(projection, own, erased)
            await conn.execute(f"UPDATE {TRACKING} SET notification_id = $2 WHERE application_name = $1",
                               projection.name, upto)
            await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, notification(projection.name, upto, touched))
        self.positions[projection.name] = upto
        for callback in self.on_advance:
            callback(projection.name, upto, touched)
        return True

    async def commit_together(self, projections: Sequence[Projection], batch: Sequence[Envelope], start: int,
                              upto: int, *, durable: bool = True,
                              routed: Sequence[Sequence[Envelope]] | None = None,
                              held: Sequence[tuple[Projection, Sequence[Envelope]]] = ()) -> bool:
        """`commit` for several read models at the same `start` in ONE transaction on one connection (a
        rebuild: a batch costs one BEGIN/lock/UPDATE/NOTIFY/COMMIT for all of them instead of one each). All
        or nothing: False (nothing written) when another runner has moved any of their rows. `durable=False`
        skips waiting for the WAL flush at commit (`synchronous_commit = off`): a crash may lose the last
        batches, never tear one, and the tracking rows say where to resume. `routed`, when given, is each
        projection's part of `batch` (`route`), sorted out once by the caller. `held` are read models rebuilt in
        parts (a range of the log each, by several processes: `civicledger.rebuild`) with their part of `batch`:
        their rows are written in the same transaction, their tracking rows only checked to be still at 0 (the
        rebuild moves them once every part is written)."""
        names = [p.name for p in projections]
        held_names = [p.name for p, _ in held]
        if routed is None:
            routed = route(projections, batch)
        touched: dict[str, frozenset[str] | None] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                f"SELECT set_config('statement_timeout', '0', true), set_config('synchronous_commit', $2, true),"
                f" application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)"
                " ORDER BY application_name FOR UPDATE", names, "on" if durable else "off")
            current = {r["application_name"]: r["notification_id"] or 0 for r in rows}
            if not names:  # (the settings above are evaluated per row: none without a tracked read model)
                await conn.execute("SELECT set_config('statement_timeout', '0', true),"
                                   " set_config('synchronous_commit', $1, true)", "on" if durable else "off")
            if held_names:
                # Shared: the other processes writing their parts of these read models hold them too, at once
                # (locked for update, they would wait for each other's whole batch); a follower cannot move them.
                current.update({r["application_name"]: r["notification_id"] or 0 for r in await conn.fetch(
                    f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)"
                    " FOR SHARE", held_names)})
            if any(current.get(name) != start for name in names) or any(current.get(n) != 0 for n in held_names):
                for name in names:
                    self.positions[name] = current.get(name, 0)
                return False
            for projection, own in held:
                if own:
                    await projection.apply(conn, own)
            erased_all = erased_residents(batch)
            for projection, own in zip(projections, routed, strict=True):
                if own:
                    await projection.apply(conn, own)
                erased = erased_all if projection.personal_columns else []
                if erased:
                    await projection.scrub_personal_data(conn, erased)
                touched[projection.name] = self._touched(projection, own, erased)
            await conn.execute(f"UPDATE {TRACKING} SET notification_id = $2 WHERE application_name = ANY($1)",
                               names, upto)
            await conn.execute("SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n", CHANNEL,
                               [notification(name, upto, touched[name]) for name in names])
        for name in names:
            self.positions[name] = upto
            for callback in self.on_advance:
                callback(name, upto, touched[name])
        return True

    @staticmethod
    def _touched(projection: Projection, own: Sequence[Envelope], erased: Sequence[Any]) -> frozenset[str] | None:
        """The residents whose rows this batch changed, for the caches' invalidation: none when it applied
        nothing; None (any row) when the read model cannot say or they are too many to announce."""
        residents: set[Any] = set(erased)
        if own:
            known = projection.touched_residents(own)
            if known is None:
                return None
            residents.update(known)
        if len(residents) > NOTIFIED_RESIDENTS:
            return None
        return frozenset(str(r) for r in residents if r is not None)

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
        backoff = Backoff(first=0.1, cap=self.max_backoff)
        while not self._stopping.is_set():
            try:
                applied = await self.step(projection)
            except Exception as exc:
                if is_transient(exc):
                    self._retrying(projection.name, exc)
                    # Woken early when the horizon probe reaches the database again (or on stop).
                    wake = self._wakes.setdefault(projection.name, asyncio.Event())
                    wake.clear()
                    await pause(backoff.next(), wake)
                    continue
                # A projection bug must be seen, not skipped: stop this projection, keep the others going.
                log.exception("projection %s failed at position %s", projection.name,
                              self.positions.get(projection.name))
                self.errors[projection.name] = exc
                await self._record_failure(projection.name, exc)
                self._recovered(projection.name)
                return
            backoff.reset()
            self._recovered(projection.name)
            if applied:
                delay = self.idle_interval
                continue
            wake = self._wakes.setdefault(projection.name, asyncio.Event())
            wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await within(delay, wake.wait())
            delay = min(delay * 2, self.max_idle_interval)

    def _retrying(self, name: str, exc: BaseException) -> None:
        self.retrying.add(name)
        self.retries[name] = self.retries.get(name, 0) + 1
        self.outage.failed(exc)

    def _recovered(self, name: str) -> None:
        self.retrying.discard(name)
        if not self.retrying:
            self.outage.recovered()

    async def _record_failure(self, name: str, exc: BaseException) -> None:
        """Tell other processes (their `/readyz`) that this read model has stopped; best effort."""
        try:
            async with self.pool.acquire() as conn:
                await failures.record_failure(conn, name, self.positions.get(name, 0), exc)
        except Exception:
            log.warning("could not record that projection %s stopped", name, exc_info=True)

    async def _watch_horizon(self) -> None:
        """One cheap probe for all projections: wake them when the log's safe horizon moves (writes from
        other processes; writers in this process wake us directly), and as soon as the database answers
        again after an outage."""
        last = -1
        backoff = Backoff(first=self.idle_interval, cap=1.0)
        while not self._stopping.is_set():
            try:
                horizon = await self.log_horizon()
            except Exception:
                await pause(backoff.next(), self._stopping)  # the followers report the outage
                continue
            if horizon != last or backoff.attempts:
                last = horizon
                self.wake()
            backoff.reset()
            await pause(self.idle_interval, self._stopping)

    async def run(self) -> None:
        backoff = Backoff(first=0.1, cap=self.max_backoff)
        while not self._stopping.is_set():
            try:
                await self.load_positions()
                async with self.pool.acquire() as conn:  # started again (after a fix): running until it fails
                    await failures.forget_failures(conn, [p.name for p in self.projections])
                break
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self.outage.failed(exc)
                await pause(backoff.next(), self._stopping)
        self.outage.recovered()
        await asyncio.gather(self._watch_horizon(), *(self._follow(p) for p in self.projections))

    def stop(self) -> None:
        self._stopping.set()
        self.wake()
