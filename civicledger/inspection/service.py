"""What inspectors ask, over the read pool: history, time travel, integrity, access audit, exports.

One per process (`runtime.inspection`); GraphQL and the CLI both call it. It reads and never writes events;
the only things it writes are checkpoints and alarms (`seal`, into the database and the witness), which the
sealer does on its own schedule."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.keyring import KeyRing
from civicledger.core.eventstore.macs import Macs
from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.eventstore.receipts import Receipts
from civicledger.core.eventstore.sealed import fetch_keys
from civicledger.inspection import access_audit, history
from civicledger.inspection.access_audit import AccessFinding, Thresholds
from civicledger.inspection.checkpoints import (
    Checkpoint,
    CheckpointTableMissing,
    latest_checkpoint,
    log_identity,
)
from civicledger.inspection.export import Built, PrepareReveal, build_export
from civicledger.inspection.history import RecordedEvent
from civicledger.inspection.payloads import PayloadReader, Readable, Reveal, never
from civicledger.inspection.sealing import Checkpointer
from civicledger.inspection.signing import Signer
from civicledger.inspection.timetravel import StreamAt, rebuild
from civicledger.inspection.verify import IntegrityReport, verify
from civicledger.inspection.witness import Witness, open_witness
from civicledger.projections.audit_log import audit_log_page
from civicledger.settings import Settings


class Inspection:
    def __init__(self, pool: asyncpg.Pool, mapper: CivicMapper, keyring: KeyRing, settings: Settings, *,
                 macs: Macs, receipts: Receipts) -> None:
        self.pool = pool
        self.settings = settings
        self.macs = macs
        self.reader = PayloadReader(mapper, keyring)
        self.signer = Signer(settings.checkpoint_seed)
        self.witness: Witness = open_witness(settings.witness_spec)
        self.checkpointer = Checkpointer(pool, self.signer, self.witness, receipts,
                                         max_events=settings.checkpoint_max_events)

    @property
    def trusted_keys(self) -> list[bytes]:
        return [self.signer.public_key]

    # -- history ------------------------------------------------------------------------------------------

    async def stream_history(self, stream_id: UUID, *, after_version: int = 0, limit: int = 50) -> list[RecordedEvent]:
        async with self.pool.acquire() as conn:
            return await history.stream_events(conn, stream_id, after_version=after_version, limit=limit)

    async def events(self, positions: Sequence[int]) -> list[RecordedEvent]:
        async with self.pool.acquire() as conn:
            return await history.events_by_positions(conn, positions)

    async def readable(self, events: Sequence[RecordedEvent], reveal: Reveal = never) -> list[Readable]:
        async with self.pool.acquire() as conn:
            keys = await fetch_keys(conn, self.reader.keyring, (e.state for e in events))
        return [self.reader.readable(e.stream_id, e.version, e.topic, e.state, keys, reveal) for e in events]

    async def audit_log(self, *, filters: dict[str, Any], since: datetime | None, until: datetime | None,
                        after: tuple[datetime, int] | None, newest_first: bool, limit: int) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await audit_log_page(conn, filters=filters, since=since, until=until, after=after,
                                        newest_first=newest_first, limit=limit)

    # -- time travel --------------------------------------------------------------------------------------

    async def stream_at(self, stream_id: UUID, as_of: datetime) -> StreamAt | None:
        return (await self.streams_at(stream_id, as_of))[0]

    async def streams_at(self, stream_id: UUID, *instants: datetime) -> list[StreamAt | None]:
        """The stream as recorded at each instant, from one read of its events and keys (a diff's two ends)."""
        async with self.pool.acquire() as conn:
            events = await history.stream_events(conn, stream_id)
            keys = await fetch_keys(conn, self.reader.keyring, (e.state for e in events))
        return [rebuild(events, self.reader, keys, instant) for instant in instants]

    # -- tamper evidence ----------------------------------------------------------------------------------

    async def verify(self, *, stream_id: UUID | None = None, against: Checkpoint | None = None,
                     trusted_keys: Sequence[bytes] = (), witness: Witness | bool | None = True) -> IntegrityReport:
        """`witness`: True reads the configured witness (the default), a `Witness` reads that one, False or
        None checks the database alone."""
        chosen = self.witness if witness is True else (witness or None)
        async with self.pool.acquire() as conn:
            witnessed = None
            if chosen is not None:
                try:
                    log_id = await log_identity(conn)
                except (LookupError, asyncpg.UndefinedTableError):
                    log_id = "unknown"  # verify reports the identity as gone
                witnessed = await asyncio.to_thread(chosen.read, log_id)
            return await verify(conn, macs=self.macs, trusted_keys=list(trusted_keys) or self.trusted_keys,
                                against=against, stream_id=stream_id, witnessed=witnessed,
                                witness=chosen.description if chosen is not None else None,
                                grace_s=self.settings.witness_grace_s)

    async def seal(self) -> list[Checkpoint]:
        """Seal now, publish to the witness, check this process's receipts (what the sealer does every tick)."""
        return await self.checkpointer.seal_all()

    async def latest_checkpoint(self) -> Checkpoint | None:
        async with self.pool.acquire() as conn:
            try:
                return await latest_checkpoint(conn)
            except CheckpointTableMissing:
                return None

    # -- access audit -------------------------------------------------------------------------------------

    async def reads(self, **filters: Any) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return await access_audit.reads_page(conn, **filters)

    def thresholds(self, *, bulk_threshold: int | None = None, bulk_window_s: int | None = None) -> Thresholds:
        s = self.settings
        return Thresholds(bulk_threshold=bulk_threshold or s.bulk_read_threshold,
                          bulk_window=timedelta(seconds=bulk_window_s or s.bulk_read_window_s),
                          night_start=s.night_start_hour, night_end=s.night_end_hour)

    async def unusual_access(self, since: datetime, until: datetime, thresholds: Thresholds) -> list[AccessFinding]:
        async with self.pool.acquire() as conn:
            return await access_audit.unusual_access(conn, since, until, thresholds)

    # -- export -------------------------------------------------------------------------------------------

    async def export(self, *, stream_id: UUID | None = None, resident_id: UUID | None = None,
                     prepare_reveal: PrepareReveal | None = None, generated_by: dict[str, Any] | None = None,
                     purpose: str | None = None) -> Built:
        async with self.pool.acquire() as conn:
            if resident_id is not None:
                streams = await history.streams_of_resident(conn, resident_id)
                subject = {"kind": "resident", "id": str(resident_id)}
            else:
                assert stream_id is not None
                streams = [stream_id]  # an unknown stream exports as none
                subject = {"kind": "stream", "id": str(stream_id)}
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                return await build_export(conn, self.reader, self.signer, subject=subject, stream_ids=streams,
                                          prepare_reveal=prepare_reveal, generated_by=generated_by,
                                          purpose=purpose)
