"""What a projection is: a name (its tracking row), the tables it owns, and a batch handler.

A projection receives a batch of `Envelope`s — the event, decoded on first use, with its position and the
command metadata — and writes its rows on the connection it is given, inside the transaction that also
advances its tracking position. It must not commit, and must give the same rows for the same events."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.mapper import CivicMapper


@dataclass
class Envelope:
    position: int
    stream_id: UUID
    version: int
    topic: str
    state: bytes
    actor_id: str | None
    actor_role: str | None
    actor_office: str | None
    actor_district: str | None
    reason: str | None
    correlation_id: str | None
    causation_id: str | None
    idempotency_key: str | None
    origin: str | None
    _decode: Callable[[Envelope], Any] = field(repr=False, default=lambda e: None)
    _event: Any = field(default=None, repr=False)

    @property
    def event(self) -> Any:
        if self._event is None:
            self._event = self._decode(self)
        return self._event

    @property
    def event_class(self) -> type:
        from eventsourcing.utils import resolve_topic

        return resolve_topic(self.topic)  # type: ignore[no-any-return]

    @property
    def program(self) -> str:
        return program_of(self.topic)

    @property
    def kind(self) -> str:
        return self.topic.rsplit(":", 1)[-1]

    @property
    def occurred_at(self) -> datetime:
        return self.event.timestamp  # type: ignore[no-any-return]


def program_of(topic: str) -> str:
    module = topic.split(":", 1)[0]
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "civicledger" and parts[1] == "domains":
        return parts[2]
    return parts[0]


class Projection(ABC):
    """Named after the read model it builds (`client_timeline`, `residents`)."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[str]] = ()
    # Topics this projection reads; None means every event (e.g. the audit log). Others are skipped cheaply.
    topics: ClassVar[frozenset[str] | None] = None

    def __init__(self, mapper: CivicMapper) -> None:
        self.mapper = mapper

    @abstractmethod
    async def create(self, conn: asyncpg.Connection) -> None:
        """Create tables and indexes if missing (idempotent)."""

    async def reset(self, conn: asyncpg.Connection) -> None:
        """Empty the read model before a rebuild."""
        for table in self.tables:
            await conn.execute(f"TRUNCATE {table}")

    @abstractmethod
    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        """Write the rows for these events (already filtered to `topics`, in position order)."""

    def wants(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics


def topics_of(*event_classes: type) -> frozenset[str]:
    from eventsourcing.utils import get_topic

    return frozenset(get_topic(cls) for cls in event_classes)
