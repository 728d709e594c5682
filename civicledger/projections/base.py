"""What a projection is: a name (its tracking row), the tables it owns, and a batch handler.

A projection receives a batch of `Envelope`s — the event, decoded on first use, with its position and the
command metadata — and writes its rows on the connection it is given, inside the transaction that also
advances its tracking position. It must not commit, and must give the same rows for the same events.

Erasure (PIPL) — the convention every program's projection follows
--------------------------------------------------------------------
When a resident's personal data is erased (`Resident.PersonalDataErased`, whose stream id is the resident),
their data key is destroyed: events decoded from then on carry `None` in every personal field. Read models
still hold what they copied before, so each projection that stores personal data *declares* where:

    class MealEnrolmentsProjection(Projection):
        name = "meal_enrolments"
        tables = ("meal_enrolments",)
        topics = topics_of(Elder.Enrolled, Elder.Moved)
        personal_columns = (
            PersonalColumns("meal_enrolments", resident_column="elder_id",
                            columns=("name", "phone", "address"), erased_flag="erased"),
        )

and the runner does the rest: it also delivers erasure events to that projection (even though they are
not in its `topics`: `apply` never sees them) and, in the same transaction as the batch, sets the declared
columns to NULL (and `erased_flag`, if given, to true) for every row of an erased resident
(`scrub_personal_data`). Rules that go with it:

- Personal columns must be nullable. Copy personal values from events only, never from another read model.
- A timeline summary (`domains/<program>/timeline.py`) and the audit log carry no personal data at all, so
  they need no scrubbing; free-text `reason`s must not carry it either.
- Replays are safe: after erasure the events decode to `None`, so a rebuild writes nothing to scrub.
- A projection that must do more (recompute an aggregate column, drop a row) also lists the erasure topic
  (`ERASURE_TOPICS`) in its `topics` and handles the event in `apply`, as `residents` does.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

import asyncpg

from civicledger.core.eventstore.mapper import CivicMapper

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(slots=True)
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
        return kind_of(self.topic)

    @property
    def occurred_at(self) -> datetime:
        return self.event.timestamp  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def kind_of(topic: str) -> str:
    """`Resident.Registered` from its topic."""
    return topic.rsplit(":", 1)[-1]


@functools.lru_cache(maxsize=4096)
def program_of(topic: str) -> str:
    module = topic.split(":", 1)[0]
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "civicledger" and parts[1] == "domains":
        return parts[2]
    return parts[0]


def on(*event_classes: type) -> Callable[[F], F]:
    """Mark a projection method as the handler of these event classes (one handler per event type):

        @on(Resident.AddressChanged)
        def _moved(self, rows: Rows, env: Envelope, e: Resident.AddressChanged) -> None:
            rows.of(env.stream_id).update(district=e.district, street=e.street, community=e.community)

    `Projection.dispatch(env, *state)` calls it as `handler(*state, env, env.event)`; a projection's `topics`
    default to the events it has handlers for."""

    def mark(fn: F) -> F:
        fn.__civic_on__ = event_classes  # type: ignore[attr-defined]
        return fn

    return mark


class Projection(ABC):
    """Named after the read model it builds (`client_timeline`, `residents`)."""

    name: ClassVar[str]
    tables: ClassVar[Sequence[str]] = ()
    # Topics this projection reads; None means every event (e.g. the audit log). Others are skipped cheaply.
    # By default, the topics of the events it has `@on` handlers for.
    topics: ClassVar[frozenset[str] | None] = None
    # Topic -> the name of the method that handles it (from `@on`).
    handlers: ClassVar[dict[str, str]] = {}
    # False for projections that use only an envelope's metadata, never `envelope.event`: no keys are fetched
    # and nothing is decrypted for them.
    decodes: ClassVar[bool] = True
    # False for projections that never read an event's personal fields (the timeline's summaries carry none, by
    # rule): a rebuild decodes the topics only such projections want without decrypting them (they read None
    # there, as after an erasure), which must change nothing they write (tests/projections/test_rebuild_identity).
    reads_personal_data: ClassVar[bool] = True
    # True for append-only read models whose rows for an event depend on that event alone (no read of their own
    # rows, no state kept from one event to the next): a rebuild may then write disjoint ranges of the log in
    # several processes at once (`civicledger.rebuild`), and the rows are those of one pass. Only honoured for
    # read models without `personal_columns` (an erasure scrubs rows of earlier positions).
    splittable: ClassVar[bool] = False

    # Where this read model keeps residents' personal data: scrubbed on erasure (see the module docstring).
    personal_columns: ClassVar[Sequence[PersonalColumns]] = ()
    # The version of this read model's tables. Raise it with any change to what `create` makes (a column, a
    # table, an index's definition) or to what `apply` writes into existing rows: on start, a read model built
    # with another version is dropped and rebuilt from the log (`ProjectionRunner.create_tables`,
    # `read_model_versions`). The tables that cannot be rebuilt change only through `civicledger/migrations`.
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from eventsourcing.utils import get_topic

        handlers: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, member in vars(klass).items():
                for event_class in getattr(member, "__civic_on__", ()):
                    handlers[get_topic(event_class)] = attribute
        cls.handlers = handlers
        if handlers and "topics" not in cls.__dict__:
            cls.topics = frozenset(handlers)

    def __init__(self, mapper: CivicMapper) -> None:
        self.mapper = mapper

    def dispatch(self, env: Envelope, *state: Any) -> Any:
        """Hand the event to its `@on` handler: `handler(*state, env, event)`; None when it has none."""
        attribute = self.handlers.get(env.topic)
        if attribute is None:
            return None
        return getattr(self, attribute)(*state, env, env.event)

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

    def touched_residents(self, batch: Sequence[Envelope]) -> Iterable[Any] | None:
        """The residents whose rows `apply` changed for this batch (called right after it), when the read model's
        rows are each about one resident and saying so is cheap; None (the default) when any row may have
        changed. The response cache drops only the answers about these residents (graphql/caches.py): a read
        model that answers here must name every resident an answer keyed by resident could have read."""
        return None

    async def scrub_personal_data(self, conn: asyncpg.Connection, resident_ids: Sequence[UUID]) -> None:
        """Erase what this read model holds about these residents (the runner calls it on erasure)."""
        for spec in self.personal_columns:
            await scrub(conn, spec, resident_ids)


@dataclass(frozen=True)
class PersonalColumns:
    """Columns of `table` holding personal data of the resident named in `resident_column`."""

    table: str
    resident_column: str
    columns: tuple[str, ...]
    erased_flag: str | None = None


async def scrub(conn: asyncpg.Connection, spec: PersonalColumns, resident_ids: Sequence[UUID]) -> None:
    assignments = [f"{column} = NULL" for column in spec.columns]
    if spec.erased_flag:
        assignments.append(f"{spec.erased_flag} = true")
    if assignments and resident_ids:
        await conn.execute(
            f"UPDATE {spec.table} SET {', '.join(assignments)} WHERE {spec.resident_column} = ANY($1::uuid[])",
            list(resident_ids),
        )


def _erasure_topics() -> frozenset[str]:
    from civicledger.domains.residents.resident import Resident

    return topics_of(Resident.PersonalDataErased)


def erased_residents(batch: Iterable[Envelope]) -> list[UUID]:
    """Residents erased by events in this batch (an erasure event's stream is the resident)."""
    return [env.stream_id for env in batch if env.topic in ERASURE_TOPICS]


def splittable(projection: Projection) -> bool:
    """Whether a rebuild may write this read model in ranges of the log, in several processes at once."""
    return projection.splittable and not projection.personal_columns


def route(projections: Sequence[Projection], batch: Sequence[Envelope],
          table: dict[str, list[int]] | None = None) -> list[list[Envelope]]:
    """Each projection's part of `batch` (the events it `wants`, in order), in one pass over the batch: a
    lookup per event instead of a `wants` call per event and projection. `table` (topic → the indexes of the
    projections that want it) may be kept by the caller across batches of the same projections."""
    table = {} if table is None else table
    parts: list[list[Envelope]] = [[] for _ in projections]
    for env in batch:
        wanted = table.get(env.topic)
        if wanted is None:
            wanted = table[env.topic] = [i for i, p in enumerate(projections) if p.wants(env.topic)]
        for i in wanted:
            parts[i].append(env)
    return parts


def topics_of(*event_classes: type) -> frozenset[str]:
    from eventsourcing.utils import get_topic

    return frozenset(get_topic(cls) for cls in event_classes)


ERASURE_TOPICS: frozenset[str] = _erasure_topics()
