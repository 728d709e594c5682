"""The shared event-store wiring and the base class of every program's application service.

`Ledger` owns the connection pool, the recorder, the key ring and the mapper: one per process, shared by
all programs, so every program appends to the one global log. `CivicApplication` is the library's
`Application` with the conventions every service copies: get (with `expectedVersion`), decide, save (with
metadata, idempotency and unique claims), return a `Recorded`."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import re
import select
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import orjson
import psycopg.errors
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.postgres import PostgresDatastore
from psycopg import pq

from civicledger.core import bridge
from civicledger.core.clock import Clock, SystemClock, using_clock
from civicledger.core.db import ConnectionParams
from civicledger.core.errors import (
    ClaimTakenError,
    ConflictError,
    DatabaseUnavailableError,
    IdempotencyKeyReusedError,
    NotFoundError,
    StaleVersionError,
)
from civicledger.core.eventstore import codec
from civicledger.core.eventstore.claims import Claim
from civicledger.core.eventstore.keyring import KeyRing
from civicledger.core.eventstore.macs import Macs, derive_chain_key
from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.eventstore.newest import NewestStates
from civicledger.core.eventstore.receipts import Receipts
from civicledger.core.eventstore.recorder import (
    AppendRequest,
    CivicApplicationRecorder,
    CivicTrackingRecorder,
)
from civicledger.core.failover import RetryPolicy, is_connection_error
from civicledger.core.keyed_hash import KeyedSha256
from civicledger.core.metadata import CommandContext

A = TypeVar("A", bound=Aggregate)


class Ledger:
    """One per process: the write side's pool, recorder, keys and mapper.

    `chain_key` keys the MACs of the tamper evidence (`macs.py`); without one (tests, development) it is derived
    from the master key exactly as `Settings.chain_key` derives it in development."""

    def __init__(self, params: ConnectionParams, *, master_key: bytes, claims_secret: bytes,
                 chain_key: bytes | None = None, pool_size: int = 8, max_overflow: int = 8,
                 create_tables: bool = True, retry: RetryPolicy | None = None) -> None:
        self.params = params
        self.retry = retry or RetryPolicy()
        kwargs = params.psycopg_kwargs()
        # The library keeps `pool_size` connections open from the start; ours opens one and grows on demand to
        # `pool_size + max_overflow` (psycopg_pool closes what stays idle past its max_idle): a process that
        # writes little holds one connection, not eight, of the server's max_connections.
        self.datastore = PostgresDatastore(
            dbname=params.dbname, host=str(kwargs["host"]), port=kwargs["port"], user=params.user,  # type: ignore[arg-type]
            password=params.password, pool_size=1, max_overflow=max(0, pool_size + max_overflow - 1),
            idle_in_transaction_session_timeout=30,
        )
        # The library's datastore takes one host and no libpq options; its pool takes them all: every host of
        # a multi-host URL, target_session_attrs (find the primary), the client's connect timeout, keepalives.
        self.datastore.pool.kwargs.update(connect_timeout=params.connect_timeout, **params.libpq_options())
        # Hand out no connection the server has already closed (a restart, a failover): checked without a round
        # trip (`_drop_if_closed`), so that a command is never sent on one — its failure would be in doubt.
        self.datastore.pool._check = _drop_if_closed  # psycopg_pool's `check` hook, set after the fact
        self.macs = Macs(chain_key or derive_chain_key(master_key))
        # Off until a sealer runs in this process (`Runtime.start`): nobody else would ever check them.
        self.receipts = Receipts()
        self.recorder = CivicApplicationRecorder(self.datastore, events_table_name="events", macs=self.macs,
                                                 receipts=self.receipts)
        self.tracking = CivicTrackingRecorder(self.datastore)
        self.keyring = KeyRing(self.datastore, master_key, macs=self.macs, receipts=self.receipts)
        self.keyring.read_async = self.recorder.read_keys_async  # bridged commands: on the writers' connections
        self.mapper = CivicMapper(self.keyring)
        self._claims_secret = claims_secret
        self._claims_hmac = KeyedSha256(claims_secret)
        self.on_reconnect: list[Callable[[], None]] = []  # e.g. the runtime's: renew the writers' asyncpg pool
        # Long streams' newest states (aggregates that declare `keep_newest`), forgotten on a reconnect.
        self.newest = NewestStates()
        self.on_reconnect.append(self.newest.clear)
        self.fingerprint_secret = hmac.new(claims_secret, b"idempotency-fingerprint", hashlib.sha256).digest()
        if create_tables:
            self.create_tables()

    def create_tables(self) -> None:
        """Bring the database to the newest migration (`civicledger/migrations`): the log's tables and every
        other table that cannot be rebuilt change only there. Processes starting at once take turns."""
        from civicledger import migrations

        migrations.upgrade(self.params)

    def claim_key(self, scope: str, value: str) -> str:
        """A keyed hash of a unique personal value: the claims table never holds the value itself."""
        return self._claims_hmac.hexdigest(f"{scope}\x00{value}".encode())

    def reconnect(self) -> None:
        """After a lost connection: drop every pooled connection (they point at the old server); new ones find
        the current primary through the URL's hosts."""
        with contextlib.suppress(Exception):
            self.datastore.pool.drain()
        for hook in self.on_reconnect:
            with contextlib.suppress(Exception):
                hook()

    def close(self) -> None:
        self.datastore.close()


def _drop_if_closed(conn: psycopg.Connection[Any]) -> None:
    """The pool's check on every connection it hands out: an idle connection with something to read has been
    closed by the server (or told it is being closed). Close it and let the pool give another (the pool then
    replaces it). A `select` on the socket: microseconds, no round trip."""
    pgconn = conn.pgconn
    if pgconn.status == pq.ConnStatus.OK and not select.select([pgconn.socket], [], [], 0)[0]:
        return
    conn.close()
    raise psycopg.OperationalError("the server closed this pooled connection")


class _SharedFactory:
    """Just enough of an infrastructure factory for `Application.__init__`: the ledger provides the rest."""

    def is_snapshotting_enabled(self) -> bool:
        return False

    def event_store(self, mapper: CivicMapper, recorder: CivicApplicationRecorder) -> EventStore[UUID]:
        return EventStore(mapper=mapper, recorder=recorder)

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Recorded:
    """What a command wrote: the stream it was about, that stream's new version, and global positions."""

    stream_id: UUID
    version: int
    positions: tuple[int, ...]
    streams: tuple[tuple[UUID, int], ...] = ()
    replayed: bool = False

    @property
    def position(self) -> int:
        return self.positions[-1] if self.positions else 0

    def version_of(self, stream_id: UUID) -> int | None:
        return next((v for s, v in self.streams if s == stream_id), None)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate`, less its `assert isinstance(event, CanMutateProtocol)`: an
    isinstance check against a runtime-checkable Protocol costs ~70 µs per event, more than decoding it."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class _IdempotencyRace(Exception):
    pass


_CLAIM_DETAIL = re.compile(r"\(scope, key\)=\(([^,]+), ")


def fingerprint(command: object, secret: bytes) -> str:
    """What an idempotency key was first used for: a keyed hash, since commands hold personal data (an
    unkeyed hash of an ID number is a dictionary attack away from the number)."""
    payload = dataclasses.asdict(command) if dataclasses.is_dataclass(command) else command  # type: ignore[arg-type]
    message = type(command).__name__.encode() + b"\x00" + codec.dumps(payload)
    return _keyed(secret).hexdigest(message)


@functools.lru_cache(maxsize=16)
def _keyed(secret: bytes) -> KeyedSha256:
    return KeyedSha256(secret)


class CivicApplication(Application[UUID]):
    """Base of every program's service: one module per program, all on the one global log."""

    program: ClassVar[str] = "core"

    def __init__(self, ledger: Ledger, *, clock: Clock | None = None) -> None:
        self.ledger = ledger
        self.clock: Clock = clock or SystemClock()
        super().__init__(env={"AGGREGATE_CACHE_MAXSIZE": ""})

    # Wire the library's Application to the shared ledger.
    def construct_factory(self, env: Any) -> Any:
        return _SharedFactory()

    def construct_mapper(self) -> CivicMapper:  # type: ignore[override]
        return self.ledger.mapper

    def construct_recorder(self) -> CivicApplicationRecorder:
        return self.ledger.recorder

    def close(self) -> None:
        """The ledger is shared: closing one service must not close the pool."""

    # -- the shape of every command ----------------------------------------------------------------------

    def _execute(self, ctx: CommandContext, command: object, action: Callable[[], Recorded]) -> Recorded:
        """Replay a known idempotency key, otherwise decide and save; the clock is the service's clock.

        A lost connection (a failover) is retried from the start within the ledger's retry window when the
        command carries an idempotency key — a commit that happened before the connection broke is then found
        and answered as a replay, never written twice. Without a key it becomes `DatabaseUnavailableError`."""
        delays = self.ledger.retry.delays()
        while True:
            try:
                return self._execute_once(ctx, command, action)
            except Exception as exc:
                if not is_connection_error(exc):
                    raise
                self.ledger.reconnect()
                delay = next(delays, None) if ctx.idempotency_key else None
                if delay is None:
                    raise DatabaseUnavailableError(
                        "the database connection was lost while the command ran; it may or may not have been "
                        "recorded: send it again with the same idempotency key" if not ctx.idempotency_key else
                        "the database stayed unavailable (a failover may be under way); send the command again "
                        "with the same idempotency key") from exc
                bridge.sleep(delay)

    def _execute_once(self, ctx: CommandContext, command: object, action: Callable[[], Recorded]) -> Recorded:
        """Decide and save; a known idempotency key is found by the save itself, not by a lookup first.

        The key is written by the same statement as the events (`append_extra.sql`), under its unique index:
        a command whose key was recorded before cannot save (`_IdempotencyRace`), and nothing it decided is
        written. Only then — or when deciding failed (the first attempt changed what a repeat decides on: a
        claim taken by itself, a version moved on) — is the record read and answered: the same result as
        before (`replayed`), or `IdempotencyKeyReusedError` for another request under that key. A command
        without a key, or a new key, costs no extra round trip; a keyed command that decides to write nothing
        is looked up (a repeat of one that did write is answered as the replay it is)."""
        try:
            with using_clock(self.clock):
                result = action()
        except Exception as exc:
            if not ctx.idempotency_key or is_connection_error(exc):
                raise
            # Lost a race with the same key, a repeat of a recorded command, or a retry after an in-doubt
            # commit found its own first attempt (its events, claims or key are there already): the recorded
            # result is the answer.
            replay = self._replay(ctx, command)
            if replay is not None:
                return replay
            if isinstance(exc, _IdempotencyRace):  # pragma: no cover - the winning row must exist
                raise ConflictError("concurrent request with the same idempotency key") from None
            raise
        if ctx.idempotency_key and not result.positions:
            # Deciding wrote nothing (the first attempt already did what a repeat would): a save that writes no
            # events writes no key either, so a recorded first attempt is found here and is the answer.
            replay = self._replay(ctx, command)
            if replay is not None:
                return replay
        return result

    def _replay(self, ctx: CommandContext, command: object) -> Recorded | None:
        if not ctx.idempotency_key:
            return None
        prior = self.ledger.recorder.find_idempotent(ctx.actor.id, ctx.idempotency_key)
        if prior is None:
            return None
        if prior["fingerprint"] != fingerprint(command, self.ledger.fingerprint_secret):
            raise IdempotencyKeyReusedError(
                "this idempotency key was already used for a different request",
                idempotencyKey=ctx.idempotency_key, firstCommand=prior["command"],
            )
        result = prior["result"]
        streams = tuple((UUID(s), int(v)) for s, v in result["streams"])
        return Recorded(
            stream_id=streams[0][0], version=streams[0][1], positions=tuple(prior["positions"]),
            streams=streams, replayed=True,
        )

    def _get(self, aggregate_class: type[A], aggregate_id: UUID, *, expected_version: int | None = None,
             label: str | None = None) -> A:
        try:
            if getattr(aggregate_class, "keep_newest", False):
                aggregate = self.ledger.newest.get(aggregate_id, self._read_stream, replay)
                if aggregate is None:
                    raise AggregateNotFoundError(aggregate_id)
            else:
                aggregate = self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFoundError(f"{label or aggregate_class.__name__} {aggregate_id} not found",
                                id=str(aggregate_id)) from None
        if not isinstance(aggregate, aggregate_class):
            raise NotFoundError(f"{label or aggregate_class.__name__} {aggregate_id} not found",
                                id=str(aggregate_id))
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersionError(aggregate_id, expected_version, aggregate.version)
        return aggregate

    def _read_stream(self, aggregate_id: UUID, after: int | None) -> Iterable[Any]:
        return self.repository.event_store.get(aggregate_id, gt=after)

    def _find(self, aggregate_class: type[A], aggregate_id: UUID, *, expected_version: int | None = None,
              label: str | None = None) -> A | None:
        """`_get`, or None when the stream was never started (one read, not an existence check and a read)."""
        try:
            return self._get(aggregate_class, aggregate_id, expected_version=expected_version, label=label)
        except NotFoundError:
            return None

    def _get_many(self, aggregate_class: type[A], aggregate_ids: Iterable[UUID]) -> dict[UUID, A]:
        """The aggregates of these streams that exist and are of this class, read in one query (`_get` for each
        would be a round trip each)."""
        by_stream: dict[UUID, list[Any]] = {}
        for stored in self.ledger.recorder.select_streams(list(dict.fromkeys(aggregate_ids))):
            by_stream.setdefault(stored.originator_id, []).append(stored)
        found: dict[UUID, A] = {}
        for stream_id, stored_events in by_stream.items():
            aggregate = replay(None, (self.mapper.to_domain_event(e) for e in stored_events))
            if isinstance(aggregate, aggregate_class):
                found[stream_id] = aggregate
        return found

    def _save(self, *aggregates: Aggregate, ctx: CommandContext, command: object,
              claims: Iterable[Claim] = (), releases: Iterable[Claim] = (),
              erase: Sequence[UUID] = ()) -> Recorded:
        events = [e for agg in aggregates for e in agg.collect_events()]
        streams = tuple((agg.id, agg.version) for agg in aggregates)
        request = AppendRequest(
            meta=tuple(ctx.as_metadata().values()),
            claims=tuple(claims),
            releases=tuple(releases),
            erase_subjects=tuple(erase),
        )
        if ctx.idempotency_key:
            request.idempotency = (
                ctx.actor.id, ctx.idempotency_key, fingerprint(command, self.ledger.fingerprint_secret),
                type(command).__name__,
                orjson.dumps({"streams": [[str(s), v] for s, v in streams]}).decode(),
            )
        with self.ledger.keyring.collecting_new_keys() as new_keys:
            stored = [self.mapper.to_stored_event(e) for e in events]
        request.new_keys = new_keys
        try:
            positions = self.ledger.recorder.insert_events(stored, write=request) or []
        except IntegrityError as exc:
            self.ledger.keyring.discard_pending(new_keys)
            raise self._translate_conflict(exc, streams) from None
        return Recorded(stream_id=streams[0][0], version=streams[0][1], positions=tuple(positions),
                        streams=streams)

    @staticmethod
    def _translate_conflict(exc: IntegrityError, streams: Sequence[tuple[UUID, int]]) -> Exception:
        cause = exc.__cause__
        diag = getattr(cause, "diag", None)  # psycopg's error; asyncpg's (the bridged append) has the fields itself
        constraint = (getattr(diag if diag is not None else cause, "constraint_name", None)) or ""
        if constraint == "idempotency_keys_pkey":
            return _IdempotencyRace()
        if constraint == "claims_pkey":
            detail = (getattr(diag, "message_detail", None) if diag is not None else getattr(cause, "detail", None))
            match = _CLAIM_DETAIL.search(detail or "")
            return ClaimTakenError(match.group(1) if match else "claim")
        unique = isinstance(cause, psycopg.errors.UniqueViolation) or getattr(cause, "sqlstate", None) == "23505"
        if unique and constraint.endswith("_pkey"):
            stream = streams[0][0] if streams else None
            return ConflictError("the case changed while this command was being decided; reload and retry",
                                 streamId=str(stream))
        return exc
