"""`client_timeline`: one row per event that concerns a resident, from every program.

Programs contribute through their slice's `timeline` (a `TimelineContribution`, declared in
`civicledger/domains/<program>/timeline.py`); the runtime hands them all to this projection. Rows are append-only
and keyed (resident, position), so a 50-entry page is an index range scan whatever the length of the resident's
history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from eventsourcing.utils import get_topic

from civicledger.core.eventstore.mapper import CivicMapper
from civicledger.core.timeline import TimelineContribution
from civicledger.projections.base import Envelope, Projection
from civicledger.projections.sql import copy_rows

TIMELINE_PARTITIONS = 16
COLUMNS = ("resident_id", "position", "stream_id", "stream_version", "program", "kind", "summary",
           "actor_id", "actor_role", "actor_office", "occurred_at", "correlation_id")


class ClientTimelineProjection(Projection):
    """Every program's events, as entries on the timelines of the residents they concern."""

    name = "client_timeline"
    tables = ("client_timeline",)
    reads_personal_data = False  # summaries carry no personal data (core/timeline.py)
    splittable = True  # one row per event (per resident), from that event alone

    def __init__(self, mapper: CivicMapper, contributions: Sequence[TimelineContribution]) -> None:
        super().__init__(mapper)
        # Topic -> the program's contribution, from every program slice's `timeline`.
        self.contributions = {get_topic(event_class): contribution for contribution in contributions
                              for event_class in contribution.rules}
        self.topics = frozenset(self.contributions)  # type: ignore[misc]
        self._touched: set[Any] = set()  # the residents of the last `apply`'s rows (`touched_residents`)

    async def create(self, conn: asyncpg.Connection) -> None:
        # Hash-partitioned by resident (docs/CAPACITY.md): every read names one resident, so it plans and runs
        # on one partition; each partition's indexes and vacuum stay a fraction of the whole; and the resident is
        # the distribution key a Citus cluster would use.
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS client_timeline ("
            " resident_id uuid NOT NULL, position bigint NOT NULL, stream_id uuid NOT NULL,"
            " stream_version bigint NOT NULL, program text NOT NULL, kind text NOT NULL, summary text NOT NULL,"
            " actor_id text, actor_role text, actor_office text, occurred_at timestamptz NOT NULL,"
            " correlation_id text, PRIMARY KEY (resident_id, position)) PARTITION BY HASH (resident_id)"
        )
        if await conn.fetchval("SELECT EXISTS (SELECT FROM pg_partitioned_table"
                               " WHERE partrelid = 'client_timeline'::regclass)"):  # older databases: unpartitioned
            for i in range(TIMELINE_PARTITIONS):
                await conn.execute(f"CREATE TABLE IF NOT EXISTS client_timeline_p{i:02d} PARTITION OF client_timeline"
                                   f" FOR VALUES WITH (MODULUS {TIMELINE_PARTITIONS}, REMAINDER {i})")
        await conn.execute(
            "CREATE INDEX IF NOT EXISTS client_timeline_program_idx"
            " ON client_timeline (resident_id, program, position)"
        )

    def touched_residents(self, batch: Sequence[Envelope]) -> Iterable[Any] | None:
        touched, self._touched = self._touched, set()
        return touched

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        table = self.contributions
        records = []
        touched = self._touched = set()
        for env in batch:
            contribution = table.get(env.topic)
            if contribution is None:
                continue
            seen = set()
            for entry in contribution.entries_for(env.event):
                for resident_id in entry.resident_ids:
                    if resident_id is None or resident_id in seen:
                        continue
                    seen.add(resident_id)
                    touched.add(resident_id)
                    records.append((
                        resident_id, env.position, env.stream_id, env.version, contribution.program, entry.kind,
                        entry.summary, env.actor_id, env.actor_role, env.actor_office, env.event.timestamp,
                        env.correlation_id,
                    ))
        await copy_rows(conn, "client_timeline", COLUMNS, records)


TIMELINE_COLUMNS = ("position", "stream_id", "stream_version", "program", "kind", "summary", "actor_id",
                    "actor_role", "actor_office", "occurred_at", "correlation_id")


def page_filters(args: list[object], prefix: str, *, before: int | None, after: int | None,
                  programs: Sequence[str] | None, since: object, until: object) -> list[str]:
    """The WHERE clauses of a timeline page (columns under `prefix`), their values appended to `args`."""
    clauses = []
    for value, clause in ((before, "position < {}"), (after, "position > {}"),
                          (list(programs) if programs else None, "program = ANY({})"),
                          (since, "occurred_at >= {}"), (until, "occurred_at < {}")):
        if value is not None:
            args.append(value)
            clauses.append(prefix + clause.format(f"${len(args)}"))
    return clauses


async def timeline_page(conn: asyncpg.Connection, resident_id: object, *, before: int | None = None,
                        after: int | None = None, limit: int = 50, programs: Sequence[str] | None = None,
                        since: object = None, until: object = None) -> list[asyncpg.Record]:
    """Newest first; `before` pages backwards in time, `after` forwards (subscriptions). `limit + 1` rows."""
    args: list[object] = [resident_id]
    clauses = ["resident_id = $1", *page_filters(args, "", before=before, after=after, programs=programs,
                                                  since=since, until=until)]
    args.append(limit + 1)
    order = "ASC" if after is not None else "DESC"
    return await conn.fetch(
        f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM client_timeline"
        f" WHERE {' AND '.join(clauses)} ORDER BY position {order} LIMIT ${len(args)}",
        *args,
    )


async def resident_with_timeline(conn: asyncpg.Connection, resident_id: object, *, before: int | None = None,
                                 limit: int = 50, programs: Sequence[str] | None = None, since: object = None,
                                 until: object = None, columns: Sequence[str] = ("*",),
                                 ) -> tuple[dict[str, object] | None, list[asyncpg.Record]]:
    """The resident's row (only `columns`) and a timeline page in one round trip — the hot read: a
    caseworker opens a file. Timeline rows come back as records keyed by their own column names."""
    args: list[object] = [resident_id]
    clauses = ["t.resident_id = r.id", *page_filters(args, "t.", before=before, after=None, programs=programs,
                                                      since=since, until=until)]
    args.append(limit + 1)
    picked = ", ".join(f"r.{c} AS r_{c}" if c != "*" else "r.*" for c in columns)
    rows = await conn.fetch(
        f"SELECT {', '.join('p.' + c for c in TIMELINE_COLUMNS)}, {picked} FROM residents r LEFT JOIN LATERAL ("
        f" SELECT {', '.join('t.' + c for c in TIMELINE_COLUMNS)} FROM client_timeline t"
        f" WHERE {' AND '.join(clauses)} ORDER BY t.position DESC LIMIT ${len(args)}) p ON true"
        " WHERE r.id = $1",
        *args,
    )
    if not rows:
        return None, []
    first = rows[0]
    resident = ({k[2:]: v for k, v in first.items() if k.startswith("r_")} if "*" not in columns
                else {k: v for k, v in first.items() if k not in TIMELINE_COLUMNS})
    entries = rows if first["position"] is not None else []
    return resident, entries
