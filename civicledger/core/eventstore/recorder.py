"""A PostgreSQL application recorder that lets writers append concurrently and never lets a reader skip.

The stock recorder serialises every insert behind `LOCK TABLE ... EXCLUSIVE` plus a `NOTIFY`, so commit
order equals position order. Here, instead:

1. A writer's append is the *first write* of its transaction. Inside a session-level advisory lock held
   for microseconds (not until commit), it takes its transaction id (`pg_current_xact_id()`) and its
   positions (`nextval`), then releases the lock. Positions are therefore ordered exactly like the
   transaction ids of the transactions that hold them.
2. A reader only delivers rows whose transaction id is below `pg_snapshot_xmin(pg_current_snapshot())`,
   the oldest transaction still running. A delivered row's transaction has finished, and so has every
   transaction holding a lower position (its id is lower still), so nothing can later appear below a
   delivered position. Rows of transactions still in flight are simply delivered on a later read.

Each append is one SQL function call (one round trip, one implicit transaction): positions, the per-stream
hash chain, command metadata, the idempotency record, unique claims and new per-resident keys are written
together or not at all. No NOTIFY: it takes a database-wide lock at commit. Subscribers poll (and writers
in the same process wake them). The SQL lives in `sql/*.sql` (see `sqlfiles.py`).

Under `bridge.run` (a command sent through the runtime) the same call is made with asyncpg on the writers' pool,
awaited on the event loop (`writer_pool`, set by the runtime): no thread per command. Elsewhere (tests, the CLI,
workers) it is psycopg, synchronously, as it always was; the reads a command makes go to a command thread.

Tamper evidence (docs/THREAT-MODEL.md): the application computes each event's digest and its keyed MAC, and
the MACs of the idempotency record and of key events, before the call; the database never sees the chain key.
After the call, what was acknowledged is remembered in `receipts` until a witnessed checkpoint covers it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import os
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson
import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    Notification,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
    Subscription,
    Tracking,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import retry
from psycopg import pq
from psycopg.sql import SQL, Composed, Identifier

from civicledger.core import bridge
from civicledger.core.errors import RecordUnverifiedError
from civicledger.core.eventstore import sqlfiles
from civicledger.core.eventstore.claims import Claim
from civicledger.core.eventstore.horizon import horizon_sql, marker_class, marker_classid, marker_sql, safe_bound
from civicledger.core.eventstore.integrity import ZERO_HASH, event_digest
from civicledger.core.eventstore.macs import Macs
from civicledger.core.eventstore.receipts import Receipts
from civicledger.core.failover import is_connection_error

IDEMPOTENCY_TABLE = "idempotency_keys"
CLAIMS_TABLE = "claims"
KEYS_TABLE = "subject_keys"
IDENTITY_TABLE = "log_identity"
TRACKING_TABLE = "projection_tracking"


@dataclass
class AppendRequest:
    """Everything written atomically with a command's events, besides the events themselves."""

    meta: tuple[str | None, ...] = (None,) * 9
    idempotency: tuple[str, str, str, str, str] | None = None  # scope, key, fingerprint, command, result json
    claims: Sequence[Claim] = ()
    releases: Sequence[Claim] = ()
    new_keys: list[tuple[UUID, bytes]] = field(default_factory=list)
    erase_subjects: Sequence[UUID] = ()
    # MACs computed for the append, kept for the receipts after it (computed once, not twice).
    # (what they were made for, the MACs): a request changed since is MACed again.
    _idempotency_mac: tuple[Any, bytes] | None = field(default=None, init=False, repr=False, compare=False)
    _key_macs: tuple[Any, list[bytes]] | None = field(default=None, init=False, repr=False, compare=False)

    def extra_json(self, macs: Macs) -> str | None:
        """The non-event part of the append as one JSON argument (None when there is none), with its MACs."""
        extra: dict[str, Any] = {}
        if self.idempotency:
            extra["idem"] = [*self.idempotency[:4], orjson.Fragment(self.idempotency[4]),
                             _b64(self.idempotency_mac(macs))]
        if self.claims:
            extra["claims"] = [[c.scope, c.key, str(c.owner_id)] for c in self.claims]
        if self.releases:
            extra["releases"] = [[c.scope, c.key] for c in self.releases]
        if self.new_keys:
            extra["keys"] = [[str(s), _b64(k), _b64(m)] for (s, k), m in zip(self.new_keys, self.key_macs(macs),
                                                                                strict=True)]
        if self.erase_subjects:
            extra["erase"] = [[str(s), _b64(macs.key_erased(s)), _b64(macs.key_created(s, None))]
                              for s in self.erase_subjects]
        return orjson.dumps(extra).decode() if extra else None

    def idempotency_mac(self, macs: Macs) -> bytes:
        assert self.idempotency is not None
        if self._idempotency_mac is None or self._idempotency_mac[0] != (self.idempotency, macs):
            self._idempotency_mac = ((self.idempotency, macs), macs.idempotency(*self.idempotency))
        return self._idempotency_mac[1]

    def key_macs(self, macs: Macs) -> list[bytes]:
        """The MAC of each new key's creation: made once, for the append and for the receipts after it."""
        made_for = (tuple(self.new_keys), macs)
        if self._key_macs is None or self._key_macs[0] != made_for:
            self._key_macs = (made_for, [macs.key_created(s, hashlib.sha256(k).digest()) for s, k in self.new_keys])
        return self._key_macs[1]

    def remember(self, receipts: Receipts, macs: Macs) -> None:
        """After the commit: the side records this append wrote, for the sealer's checks."""
        if self.idempotency:
            receipts.rows("idempotency_keys", [(tuple(self.idempotency[:2]), self.idempotency_mac(macs))])
        if self.new_keys:
            receipts.rows("key_created", [(s, m) for (s, _), m in zip(self.new_keys, self.key_macs(macs),
                                                                      strict=True)])
        if self.erase_subjects:
            receipts.rows("key_erased", [(s, macs.key_erased(s)) for s in self.erase_subjects])

    @property
    def has_side_effects(self) -> bool:
        return bool(self.idempotency or self.claims or self.releases or self.new_keys or self.erase_subjects)


_FAST_FORMATS = [0, 0, 0, 1, 1, 1, 0, 0]  # bytea parameters travel in binary, the rest as text


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _text_array(values: Sequence[str | None]) -> bytes:
    """A PostgreSQL text[] literal."""
    items = []
    for v in values:
        if v is None:
            items.append("NULL")
        else:
            items.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return ("{" + ",".join(items) + "}").encode()


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"civicledger-append:{name}".encode()).digest()[:8], "big", signed=True)


class CivicApplicationRecorder(PostgresApplicationRecorder):
    """Concurrent, gap-safe appends with metadata, hash chain, MACs, idempotency and claims in one call.

    `macs` holds the chain key. A recorder built without one (the library's own recorder test cases) MACs
    under a random key of its own: its events never verify, which is right for a store nobody may trust."""

    poll_interval = 0.05

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "events",
                 macs: Macs | None = None, receipts: Receipts | None = None, **kwargs: Any) -> None:
        super().__init__(datastore, events_table_name=events_table_name, **kwargs)
        self.macs = macs or Macs(os.urandom(32))
        self.receipts = receipts if receipts is not None else Receipts()
        # Keep only the DDL of a tracking table (when mixed with a tracking recorder); the events table,
        # its sequence and the append function are ours.
        tracking_ddl = [s for s in self.sql_create_statements if self._is_tracking_ddl(s)]
        schema = Identifier(self.datastore.schema)
        self.sequence_name = f"{self.events_table_name}_position_seq"
        self.append_function_name = f"civic_append_{self.events_table_name}"
        self.check_identifier_length(self.append_function_name + "_1")
        self._subscriptions: weakref.WeakSet[PollingSubscription] = weakref.WeakSet()
        fmt: dict[str, Any] = {
            "schema": schema,
            "table": Identifier(self.events_table_name),
            "seq": Identifier(self.sequence_name),
            "fn": Identifier(self.append_function_name),
            "fn1": Identifier(self.append_function_name + "_1"),
            "pkey": Identifier(f"{self.events_table_name}_pkey"),
            "pos_idx": Identifier(self.notification_id_index_name),
            "idem": Identifier(IDEMPOTENCY_TABLE),
            "idem_tx_idx": Identifier(f"{IDEMPOTENCY_TABLE}_tx_idx"),
            "claims": Identifier(CLAIMS_TABLE),
            "keys": Identifier(KEYS_TABLE),
            "keys_tx_idx": Identifier(f"{KEYS_TABLE}_tx_idx"),
            "keys_erased_tx_idx": Identifier(f"{KEYS_TABLE}_erased_tx_idx"),
            "identity": Identifier(IDENTITY_TABLE),
            "lock": SQL(str(_lock_key(self.events_table_name))),
            "marker": SQL(marker_sql(marker_class(self.events_table_name), "v_tx")),
            "zero": SQL("'\\x{}'::bytea").format(SQL(ZERO_HASH.hex())),
        }
        self.upgrade_statement = sqlfiles.statement("upgrade.sql", **fmt)
        self.sql_create_statements = [
            sqlfiles.statement("schema.sql", **fmt),
            sqlfiles.statement("append_many.sql", **fmt),
            sqlfiles.statement("append_one.sql", **fmt),
            *tracking_ddl,
        ]
        self._schema_tables = (self.events_table_name, IDEMPOTENCY_TABLE, KEYS_TABLE)
        placeholders = SQL(", ").join([SQL("%s")] * 8)
        # Rendered once: composing SQL objects on every call costs more than the call's own parsing.
        self.append_statement = SQL("SELECT {schema}.{fn}({p})").format(p=placeholders, **fmt).as_string()
        self.append_one_statement = SQL("SELECT {schema}.{fn1}({p})").format(p=placeholders, **fmt).as_string()
        self._fast_name = f"civic_append1_{self.events_table_name}".encode()
        self._fast_sql = SQL(
            "SELECT {schema}.{fn1}($1::uuid, $2::bigint, $3::text, $4::bytea, $5::bytea, $6::bytea, $7::text[],"
            " $8::text)"
        ).format(**fmt).as_string().encode()
        self._fast_prepared: weakref.WeakSet[Any] = weakref.WeakSet()
        # The writers' connections (`writers.WriterConnections`, set by the runtime): the appends of bridged
        # commands go there, on the loop.
        self.writer_pool: Any = None
        self._async_one_sql = SQL(
            "SELECT {schema}.{fn1}($1::uuid, $2::bigint, $3::text, $4::bytea, $5::bytea, $6::bytea, $7::text[],"
            " $8::text)"
        ).format(**fmt).as_string()
        self._async_many_sql = SQL(
            "SELECT {schema}.{fn}($1::uuid[], $2::bigint[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[],"
            " $7::text[], $8::text)"
        ).format(**fmt).as_string()
        self._async_stream_sql = SQL(
            "SELECT originator_version, topic, state FROM {schema}.{table} WHERE originator_id = $1::uuid"
        ).format(**fmt).as_string()
        self._async_idempotent_sql = SQL(
            "SELECT fingerprint, command, result, positions, mac, tx IS NULL AS legacy FROM {schema}.{idem}"
            " WHERE scope = $1 AND key = $2"
        ).format(**fmt).as_string()
        self._async_streams_sql = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE originator_id = ANY($1::uuid[]) ORDER BY originator_id, originator_version"
        ).format(**fmt).as_string()
        self._async_keys_sql = SQL(
            "SELECT subject_id, wrapped_key FROM {schema}.{keys} WHERE subject_id = ANY($1::uuid[])"
        ).format(**fmt).as_string()
        self.safe_horizon = SQL("tx < %s::text::xid8")
        self.horizon_statement = horizon_sql("%s")
        self.marker_classid = marker_classid(self.events_table_name)
        self.max_notification_id_statement = SQL(
            "SELECT (SELECT notification_id FROM {schema}.{table} WHERE {safe}"
            " ORDER BY notification_id DESC LIMIT 1) AS max"
        ).format(safe=self.safe_horizon, **fmt)
        self.select_idempotent_statement = SQL(
            "SELECT fingerprint, command, result, positions, mac, tx IS NULL AS legacy FROM {schema}.{idem}"
            " WHERE scope = %s AND key = %s"
        ).format(**fmt).as_string()

    def _is_tracking_ddl(self, statement: Composed) -> bool:
        name = getattr(self, "tracking_table_name", None)
        text = statement.as_string()
        return bool(name) and "CREATE TABLE" in text and f'"{name}"' in text

    # -- schema -----------------------------------------------------------------------------------------

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            # Several processes may start at once; DDL such as CREATE OR REPLACE FUNCTION is not safe to
            # run concurrently, so take turns.
            curs.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (_lock_key("ddl"),))
            self._create_table(curs)

    def _create_table(self, curs: psycopg.Cursor[Any]) -> None:
        if self._needs_upgrade(curs):
            curs.execute(self.upgrade_statement, prepare=False)
        for statement in self.sql_create_statements:
            curs.execute(statement, prepare=False)
        name = getattr(self, "tracking_table_name", None)
        if name:
            _mark_tracking_table_migrated(curs, self.datastore.schema, name)

    def _needs_upgrade(self, curs: psycopg.Cursor[Any]) -> bool:
        """A table created before the keyed scheme (checked first: ALTER TABLE locks out every reader, so it
        runs once, not at every start)."""
        row = curs.execute(
            "SELECT count(*) AS n FROM unnest(%s::text[], %s::text[]) AS s(tab, col)"
            " WHERE to_regclass(format('%%I.%%I', %s::text, s.tab)) IS NOT NULL"
            "   AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass("
            "       format('%%I.%%I', %s::text, s.tab)) AND a.attname = s.col AND NOT a.attisdropped)",
            (list(self._schema_tables), ["event_mac", "mac", "created_mac"], self.datastore.schema,
             self.datastore.schema),
        ).fetchone()
        return bool(row and row["n"])

    # -- writing ----------------------------------------------------------------------------------------

    # No blind retry here (the library's recorder has one): a commit may succeed and its answer be lost with the
    # connection. Commands with an idempotency key are retried whole, above (`CivicApplication._execute`).
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        request: AppendRequest = kwargs.get("write") or AppendRequest()
        tracking: Tracking | None = kwargs.get("tracking")
        if not stored_events and tracking is None and not request.has_side_effects:
            return None
        if bridge.active():
            if tracking is not None or self.writer_pool is None:
                return bridge.blocking(self._insert_events_sync, stored_events, request, tracking)
            digests = [self._digest(e, request.meta) for e in stored_events]
            macs = [self.macs.event(d) for d in digests]
            positions = bridge.await_(self._append_async(stored_events, request, digests, macs))
            self._acknowledged(stored_events, positions, macs, request)
            return positions
        return self._insert_events_sync(stored_events, request, tracking)

    def _insert_events_sync(self, stored_events: Sequence[StoredEvent], request: AppendRequest,
                            tracking: Tracking | None) -> Sequence[int] | None:
        digests = [self._digest(e, request.meta) for e in stored_events]
        macs = [self.macs.event(d) for d in digests]
        if len(stored_events) == 1 and tracking is None:
            fast = self._append_one_fast(stored_events[0], request, digests[0], macs[0])
            if fast is not None:
                self._acknowledged(stored_events, fast, macs, request)
                return fast
        params = self._append_params(stored_events, request, digests, macs)
        statement = self.append_one_statement if len(stored_events) == 1 else self.append_statement
        with self.datastore.get_connection() as conn:
            try:
                if tracking is None:
                    # Autocommit: one statement is one transaction and one round trip.
                    row = conn.execute(statement, params, prepare=True).fetchone()
                else:
                    with conn.transaction():
                        row = conn.execute(statement, params, prepare=True).fetchone()
                        self._insert_tracking_after_append(conn.cursor(), tracking)
            except BaseException:
                # Never leave the position lock behind on a pooled connection.
                with contextlib.suppress(Exception):
                    conn.execute("SELECT pg_advisory_unlock_all()")
                raise
        assert row is not None
        positions: list[int] = list(next(iter(row.values())))
        self._acknowledged(stored_events, positions, macs, request)
        return positions

    async def _append_async(self, stored_events: Sequence[StoredEvent], request: AppendRequest,
                            digests: list[bytes], macs: list[bytes]) -> list[int]:
        """The append call with asyncpg on the writers' pool: one statement, one implicit transaction, one round
        trip, exactly as the psycopg path. The server's refusals become the library's errors as psycopg's do (a
        unique violation an `IntegrityError` with the driver's error as its cause); a connection lost while the
        call was under way is an `OperationalError` (in doubt: the command layer decides, never a resend)."""
        meta = list(request.meta)
        extra = request.extra_json(self.macs)
        if len(stored_events) == 1:
            e = stored_events[0]
            statement = self._async_one_sql
            args: tuple[Any, ...] = (e.originator_id, e.originator_version, e.topic, e.state, digests[0], macs[0],
                                     meta, extra)
        else:
            statement = self._async_many_sql
            args = ([e.originator_id for e in stored_events], [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events], [e.state for e in stored_events], digests, macs, meta, extra)
        writers = self.writer_pool
        conn, generation = await writers.acquire()
        discard = False
        try:
            value = await (await writers.prepared(conn, statement)).fetchval(*args)
        except Exception as exc:
            state = getattr(exc, "sqlstate", None)
            if isinstance(state, str) and not state.startswith(("08", "57")):
                # The server refused the statement (autocommit: nothing was written). Never leave the position
                # lock behind on a connection that is used again.
                try:
                    await conn.execute("SELECT pg_advisory_unlock_all()")
                except Exception:
                    discard = True
                raise _library_error(state, exc) from exc
            discard = True  # lost, or broken half-way: this connection is not used again
            raise OperationalError("the connection was lost during the append: it may or may not have "
                                   "committed") from exc
        except BaseException:
            discard = True  # cancelled half-way (the loop shutting down)
            raise
        finally:
            writers.release(conn, generation, discard=discard)
        return list(value or [])

    @staticmethod
    def _digest(e: StoredEvent, meta: Sequence[str | None]) -> bytes:
        return event_digest(e.originator_id, e.originator_version, e.topic, e.state, meta)

    def _acknowledged(self, stored_events: Sequence[StoredEvent], positions: Sequence[int], macs: list[bytes],
                      request: AppendRequest) -> None:
        """Committed: wake local subscribers, and remember what was written until it is sealed and witnessed."""
        if positions:
            self._wake_subscriptions()
        if self.receipts.enabled:
            self.receipts.events(
                (p, e.originator_id, e.originator_version, m) for p, e, m in zip(positions, stored_events, macs,
                                                                                 strict=False))
            request.remember(self.receipts, self.macs)

    def _insert_tracking_after_append(self, curs: psycopg.Cursor[Any], tracking: Tracking) -> None:
        raise ProgrammingError("this recorder does not record tracking")

    def _append_one_fast(self, e: StoredEvent, request: AppendRequest, digest: bytes,
                         mac: bytes) -> list[int] | None:
        """The common case — one event, no tracking — straight through libpq's prepared-statement call.

        psycopg's cursor machinery (query conversion, adaptation, row factories) costs more client time than
        the server spends on the append; here the parameters are already bytes. Anything unusual (no open
        pool yet, any error) returns None and the caller takes the regular path, which raises the proper
        exceptions (a failed autocommit statement has written nothing)."""
        pool = self.datastore.pool
        if pool.closed or not getattr(pool, "_opened", False):
            return None
        meta = request.meta
        extra = request.extra_json(self.macs)
        params = [
            str(e.originator_id).encode(), str(e.originator_version).encode(), e.topic.encode(), e.state, digest,
            mac, _text_array(meta), extra.encode() if extra is not None else None,
        ]
        try:
            conn = pool.getconn()
        except Exception:
            return None
        try:
            pgconn = conn.pgconn
            if conn not in self._fast_prepared:
                result = pgconn.prepare(self._fast_name, self._fast_sql)
                if result.status != pq.ExecStatus.COMMAND_OK:
                    return None
                self._fast_prepared.add(conn)
            result = pgconn.exec_prepared(self._fast_name, params, _FAST_FORMATS)
            if result.status != pq.ExecStatus.TUPLES_OK:
                if pgconn.transaction_status != pq.TransactionStatus.IDLE:
                    with contextlib.suppress(Exception):
                        conn.execute("SELECT pg_advisory_unlock_all()")
                _raise_if_lost(pgconn)
                return None
            value = result.get_value(0, 0)
        except OperationalError:
            raise
        except Exception:
            _raise_if_lost(conn.pgconn)
            return None
        finally:
            pool.putconn(conn)
        return [int(v) for v in bytes(value).strip(b"{}").split(b",") if v] if value else []

    def _append_params(self, stored_events: Sequence[StoredEvent], request: AppendRequest,
                       digests: list[bytes] | None = None, macs: list[bytes] | None = None) -> tuple[Any, ...]:
        meta = list(request.meta)
        digests = digests or [self._digest(e, meta) for e in stored_events]
        macs = macs or [self.macs.event(d) for d in digests]
        events: tuple[Any, ...]
        if len(stored_events) == 1:
            e = stored_events[0]
            events = (e.originator_id, e.originator_version, e.topic, e.state, digests[0], macs[0])
        else:
            events = (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
                digests,
                macs,
            )
        return (*events, meta, request.extra_json(self.macs))

    def select_events(self, originator_id: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        """The library's read of one stream. Under a bridged command (the runtime's writers' pool set): the same
        query with asyncpg on the writers' connections, awaited on the loop — no thread hop, as for the append;
        elsewhere the library's psycopg read (on a command thread when bridged without a writers' pool)."""
        if self.writer_pool is not None and bridge.active():
            return bridge.await_(self._select_events_async(originator_id, **kwargs))
        return bridge.blocking(functools.partial(super().select_events, originator_id, **kwargs))

    async def _select_events_async(self, originator_id: Any, *, gt: int | None = None, lte: int | None = None,
                                   desc: bool = False, limit: int | None = None) -> list[StoredEvent]:
        """The library's `select_events`: the same clauses, order and result (`_read_on_writers`)."""
        sql, args = self._async_stream_sql, [originator_id]
        for value, clause in ((gt, " AND originator_version > $"), (lte, " AND originator_version <= $")):
            if value is not None:
                args.append(value)
                sql += f"{clause}{len(args)}"
        sql += " ORDER BY originator_version" + (" DESC" if desc else " ASC")
        if limit is not None:
            args.append(limit)
            sql += f" LIMIT ${len(args)}"
        stream_id = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        rows = await self._read_on_writers(sql, *args)
        return [StoredEvent(originator_id=stream_id, originator_version=row[0], topic=row[1], state=bytes(row[2]))
                for row in rows]

    async def read_keys_async(self, subjects: list[UUID]) -> list[tuple[UUID, bytes | None]] | None:
        """The key ring's read of wrapped keys for a bridged command (`KeyRing.read_async`), on the writers'
        connections; None when there are none here (the key ring then reads as before)."""
        if self.writer_pool is None:
            return None
        rows = await self._read_on_writers(self._async_keys_sql, subjects)
        return [(UUID(int=row[0].int), None if row[1] is None else bytes(row[1])) for row in rows]

    async def _read_on_writers(self, sql: str, *args: Any) -> list[Any]:
        """One read statement on the writers' connections (prepared once per connection), retried as the library
        retries a read (10 attempts, 0.2 s apart) when the connection is lost: a read is safe to send again."""
        writers = self.writer_pool
        attempt = 0
        while True:
            conn, generation = await writers.acquire()
            discard = False
            try:
                return list(await (await writers.prepared(conn, sql)).fetch(*args))
            except Exception as exc:
                if not is_connection_error(exc):
                    state = getattr(exc, "sqlstate", None)
                    if isinstance(state, str):
                        raise _library_error(state, exc) from exc
                    raise
                discard = True
                attempt += 1
                if attempt >= 10:
                    raise OperationalError("the connection was lost during a read") from exc
            except BaseException:
                discard = True
                raise
            finally:
                writers.release(conn, generation, discard=discard)
            await asyncio.sleep(0.2)

    def find_idempotent(self, scope: str, key: str) -> dict[str, Any] | None:
        """The record of an idempotency key, if any; one that fails its MAC is never replayed (a DBA could
        otherwise make a retry answer with streams of their choosing)."""
        if self.writer_pool is not None and bridge.active():
            rows = bridge.await_(self._read_on_writers(self._async_idempotent_sql, scope, key))
            row = dict(rows[0]) if rows else None
            if row is not None and isinstance(row["result"], str):  # jsonb: asyncpg gives its text, psycopg a dict
                row["result"] = orjson.loads(row["result"])
        else:
            row = bridge.blocking(self._select_idempotent, scope, key)
        if not row:
            return None
        mac = row["mac"]
        expected = self.macs.idempotency(scope, key, row["fingerprint"], row["command"], row["result"])
        if not (row["legacy"] and mac is None) and not Macs.same(mac, expected):
            raise RecordUnverifiedError("the stored record of this idempotency key fails its integrity check; it is"
                                        " not replayed (report it to the inspectors: `civicledger verify`)",
                                        idempotencyKey=key)
        return dict(row)

    def _select_idempotent(self, scope: str, key: str) -> Any:
        with self.datastore.get_connection() as conn:
            return conn.execute(self.select_idempotent_statement, (scope, key), prepare=True).fetchone()

    # -- reading ----------------------------------------------------------------------------------------

    def select_streams(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        """Every event of these streams, each stream in version order: one query where a command loads many
        small aggregates (a canteen's meal sheet reads every diner's enrolment)."""
        if not originator_ids:
            return []
        if self.writer_pool is not None and bridge.active():
            rows = bridge.await_(self._read_on_writers(self._async_streams_sql, list(originator_ids)))
            return [StoredEvent(originator_id=UUID(int=row[0].int), originator_version=row[1], topic=row[2],
                                state=bytes(row[3])) for row in rows]
        return bridge.blocking(self._select_streams, originator_ids)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _select_streams(self, originator_ids: Sequence[UUID]) -> list[StoredEvent]:
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{}"
            " WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn:
            rows = conn.execute(statement, (list(originator_ids),), prepare=True).fetchall()
        return [StoredEvent(originator_id=row["originator_id"], originator_version=row["originator_version"],
                            topic=row["topic"], state=bytes(row["state"])) for row in rows]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        clauses = [self.safe_horizon]
        params: list[Any] = [None]  # the bound, filled in on the connection below
        if start is not None:
            clauses.append(SQL("notification_id >= %s" if inclusive_of_start else "notification_id > %s"))
            params.append(start)
        if stop is not None:
            clauses.append(SQL("notification_id <= %s"))
            params.append(stop)
        if topics:
            clauses.append(SQL("topic = ANY(%s)"))
            params.append(list(topics))
        params.append(limit)
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state, notification_id FROM {}.{}"
            " WHERE {} ORDER BY notification_id LIMIT %s"
        ).format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name), SQL(" AND ").join(clauses)
        )
        with self.datastore.get_connection() as conn:
            params[0] = str(self._bound(conn))
            rows = conn.execute(statement, params, prepare=True).fetchall()
        return [
            Notification(
                id=row["notification_id"],
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def _bound(self, conn: psycopg.Connection[Any]) -> int:
        """Statement 1 of every read (see horizon.py): must run before, and apart from, the read itself."""
        row = conn.execute(self.horizon_statement, (self.marker_classid,), prepare=True).fetchone()
        assert row is not None
        return safe_bound(row["xmax"], row["inflight"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def max_notification_id(self) -> int | None:
        with self.datastore.get_connection() as conn:
            bound = self._bound(conn)
            row = conn.execute(self.max_notification_id_statement, (str(bound),), prepare=True).fetchone()
        assert row is not None
        return row["max"]  # type: ignore[no-any-return]

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[Any]:
        subscription = PollingSubscription(self, gt=gt, topics=topics)
        self._subscriptions.add(subscription)
        return subscription

    def _wake_subscriptions(self) -> None:
        if not self._subscriptions:
            return
        for subscription in list(self._subscriptions):
            subscription.wake()


def _library_error(state: str, exc: BaseException) -> PersistenceError:
    """The library's error for a server error of the asyncpg path, as its psycopg datastore maps psycopg's."""
    kind: type[PersistenceError] = {
        "23": IntegrityError, "22": DataError, "42": ProgrammingError, "XX": InternalError, "P0": InternalError,
        "40": OperationalError, "53": OperationalError, "55": OperationalError, "57": OperationalError,
    }.get(state[:2], DatabaseError)
    return kind(str(exc))


def _raise_if_lost(pgconn: Any) -> None:
    """A connection lost after the append was sent: it may have committed. Never fall back to sending it again
    (that would answer CONFLICT for our own write): the command layer decides (`CivicApplication._execute`)."""
    if pgconn.status != pq.ConnStatus.OK:
        raise OperationalError("the connection was lost during the append: it may or may not have committed")


class PollingSubscription(Subscription[CivicApplicationRecorder]):
    """Delivers notifications in order; polls every `poll_interval` and is woken early by local writers."""

    def __init__(self, recorder: CivicApplicationRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._wake = threading.Event()
        self._buffer: list[Notification] = []
        self._index = 0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        super().stop()
        self._wake.set()

    def __next__(self) -> Notification:
        while not self._has_been_stopped:
            if self._index < len(self._buffer):
                notification = self._buffer[self._index]
                self._index += 1
                self._last_notification_id = notification.id
                return notification
            self._wake.clear()
            self._buffer = list(
                self._recorder.select_notifications(
                    start=self._last_notification_id or 0, limit=500, topics=self._topics,
                    inclusive_of_start=False,
                )
            )
            self._index = 0
            if not self._buffer:
                self._wake.wait(self._recorder.poll_interval)
        raise StopIteration


def _mark_tracking_table_migrated(curs: psycopg.Cursor[Any], schema: str, table: str) -> None:
    """The library migrates old multi-row tracking tables when it finds no `__migration__` row; record
    that ours was created single-row so that no recorder ever tries to migrate it."""
    curs.execute(
        SQL("INSERT INTO {}.{} (application_name, notification_id) VALUES ('__migration__', 1)"
            " ON CONFLICT (application_name) DO NOTHING").format(Identifier(schema), Identifier(table))
    )


class CivicTrackingRecorder(PostgresTrackingRecorder):
    """The library's single-row tracking recorder on our `projection_tracking` table (shared with the
    batched projection runner, which advances the same rows)."""

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str = TRACKING_TABLE,
                 **kwargs: Any) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("SELECT pg_advisory_xact_lock(%s)"), (_lock_key("ddl"),))
            for statement in self.sql_create_statements:
                curs.execute(statement, prepare=False)
            _mark_tracking_table_migrated(curs, self.datastore.schema, self.tracking_table_name)


class CivicProcessRecorder(CivicApplicationRecorder, PostgresProcessRecorder):
    """Events and a tracking record in one transaction; the append stays the transaction's first write."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "events",
                 tracking_table_name: str = TRACKING_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)

    def create_table(self) -> None:
        CivicApplicationRecorder.create_table(self)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        tracking: Tracking | None = kwargs.get("tracking")
        if not stored_events and tracking is not None:
            self.insert_tracking(tracking)
            return []
        return super().insert_events(stored_events, **kwargs)

    def _insert_tracking_after_append(self, curs: psycopg.Cursor[Any], tracking: Tracking) -> None:
        self._insert_tracking(curs, tracking)


class CivicAggregateRecorder(CivicApplicationRecorder):
    """Aggregate-recorder contract (no notification ids returned) on the same table layout: for stores that
    are read per stream only, such as snapshots."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        super().insert_events(stored_events, **kwargs)
        return None
