"""Read-side queries over the `events` table itself, for inspectors: a stream's full history with every
metadata column and its chain hash. (The city-wide audit log is a read model: `projections/audit_log.py`.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.integrity import META_COLUMNS
from civicledger.projections.audit_log import occurred_at
from civicledger.projections.base import kind_of, program_of

_COLUMNS = ("notification_id, originator_id, originator_version, topic, state, "
            + ", ".join(META_COLUMNS) + ", chain_hash")


@dataclass(frozen=True)
class RecordedEvent:
    """One stored event with everything the store knows about it."""

    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes
    metadata: dict[str, str | None]
    chain_hash: bytes

    @property
    def occurred_at(self) -> datetime:
        return occurred_at(self.state)

    @property
    def program(self) -> str:
        return program_of(self.topic)

    @property
    def kind(self) -> str:
        return kind_of(self.topic)

    @classmethod
    def from_row(cls, row: Any) -> RecordedEvent:
        return cls(
            position=row["notification_id"], stream_id=row["originator_id"], version=row["originator_version"],
            topic=row["topic"], state=bytes(row["state"]), metadata={c: row[c] for c in META_COLUMNS},
            chain_hash=bytes(row["chain_hash"]),
        )


async def stream_events(conn: asyncpg.Connection, stream_id: UUID, *, after_version: int = 0,
                        limit: int | None = None) -> list[RecordedEvent]:
    """Oldest first; `limit + 1` rows when a limit is given (the caller pages by version)."""
    args: list[Any] = [stream_id, after_version]
    tail = ""
    if limit is not None:
        args.append(limit + 1)
        tail = " LIMIT $3"
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM events WHERE originator_id = $1 AND originator_version > $2"
                            f" ORDER BY originator_version{tail}", *args)
    return [RecordedEvent.from_row(r) for r in rows]


async def events_of_streams(conn: asyncpg.Connection, stream_ids: Sequence[UUID]) -> dict[UUID, list[RecordedEvent]]:
    """Every event of these streams, oldest first, in one query; streams without events are left out."""
    streams: dict[UUID, list[RecordedEvent]] = {sid: [] for sid in stream_ids}
    for r in await conn.fetch(f"SELECT {_COLUMNS} FROM events WHERE originator_id = ANY($1)"
                              " ORDER BY originator_id, originator_version", list(stream_ids)):
        streams[r["originator_id"]].append(RecordedEvent.from_row(r))
    return {sid: events for sid, events in streams.items() if events}


async def events_by_positions(conn: asyncpg.Connection, positions: Sequence[int]) -> list[RecordedEvent]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM events WHERE notification_id = ANY($1)", list(positions))
    return [RecordedEvent.from_row(r) for r in rows]


async def stream_exists(conn: asyncpg.Connection, stream_id: UUID) -> bool:
    return await conn.fetchval("SELECT 1 FROM events WHERE originator_id = $1 LIMIT 1", stream_id) is not None


async def streams_of_resident(conn: asyncpg.Connection, resident_id: UUID) -> list[UUID]:
    """The resident's own stream and every stream that put an entry on their timeline, in order of first
    appearance (every program contributes its cases' events to the timeline)."""
    rows = await conn.fetch(
        "SELECT stream_id FROM client_timeline WHERE resident_id = $1 GROUP BY stream_id ORDER BY min(position)",
        resident_id,
    )
    streams = [r["stream_id"] for r in rows]
    if resident_id not in streams and await stream_exists(conn, resident_id):
        streams.insert(0, resident_id)
    return streams
