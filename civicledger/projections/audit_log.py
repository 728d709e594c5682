"""`audit_log`: one row per event of every program — who did what, when, why, on which stream.

Built from the event rows' metadata columns and topic alone: no payload is decrypted or decoded (the instant
is read from the head of the stored JSON), so the projection writes with COPY at the speed of the log, and no
row ever holds personal data (erasure has nothing to scrub here). `district` is the acting office's
district, from the actor's metadata.

Pages are in the order events were recorded (`occurred_at`, then `position`: the global order, give or take
commands that overlapped in time) and keyset-paged on that pair. Every filter column has an index
`(column, occurred_at, position)` and time ranges use `(occurred_at, position)`, so any filter, with or
without a time range, is one index range scan whatever the size of the log."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from civicledger.projections.base import Envelope, Projection, kind_of, program_of
from civicledger.projections.sql import copy_rows

COLUMNS = ("position", "stream_id", "stream_version", "program", "kind", "topic", "occurred_at", "actor_id",
           "actor_role", "actor_office", "actor_district", "reason", "correlation_id", "causation_id",
           "idempotency_key", "origin")
FILTERS = ("actor_id", "actor_office", "actor_district", "program", "kind", "correlation_id", "stream_id")
_TIMESTAMP = re.compile(rb'^\{"timestamp":"([^"]+)"')
_HEAD = b'{"timestamp":"'


def occurred_at(state: bytes) -> datetime:
    """The event's instant, without decoding the payload (it is the first key the mapper writes)."""
    if state.startswith(_HEAD):  # what `_TIMESTAMP` matches, without the regular expression
        end = state.find(b'"', len(_HEAD))
        if end > len(_HEAD):
            return datetime.fromisoformat(state[len(_HEAD):end].decode())
    match = _TIMESTAMP.match(state)
    raw = match.group(1).decode() if match else orjson.loads(state)["timestamp"]
    return datetime.fromisoformat(raw)


class AuditLogProjection(Projection):
    """Every event's metadata, for the city-wide audit log."""

    name = "audit_log"
    tables = ("audit_log",)
    topics = None
    decodes = False
    reads_personal_data = False
    splittable = True  # one row per event (per resident), from that event alone

    async def create(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS audit_log ("
            " position bigint PRIMARY KEY, stream_id uuid NOT NULL, stream_version bigint NOT NULL,"
            " program text NOT NULL, kind text NOT NULL, topic text NOT NULL, occurred_at timestamptz NOT NULL,"
            " actor_id text, actor_role text, actor_office text, actor_district text, reason text,"
            " correlation_id text, causation_id text, idempotency_key text, origin text)"
        )
        for column in FILTERS:
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS audit_log_{column}_idx ON audit_log ({column}, occurred_at, position)"
            )
        await conn.execute("CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at, position)")

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        records = [
            (env.position, env.stream_id, env.version, program_of(env.topic), kind_of(env.topic), env.topic,
             occurred_at(env.state), env.actor_id, env.actor_role, env.actor_office, env.actor_district,
             env.reason, env.correlation_id, env.causation_id, env.idempotency_key, env.origin)
            for env in batch
        ]
        await copy_rows(conn, "audit_log", COLUMNS, records)


# -- the view ------------------------------------------------------------------------------------------------

def audit_filters(args: list[Any], prefix: str = "", *, filters: dict[str, Any] | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  after: tuple[datetime, int] | None = None, newest_first: bool = True) -> list[str]:
    """The WHERE clauses of an audit-log page (columns under `prefix`), their values appended to `args` — for
    `audit_log_page` and the query planner alike."""
    clauses: list[str] = []
    for column, value in (filters or {}).items():
        if column not in FILTERS:
            raise ValueError(f"cannot filter the audit log by {column}")
        if value is None:
            continue
        args.append(value)
        clauses.append(f"{prefix}{column} = ${len(args)}")
    if since is not None:
        args.append(since)
        clauses.append(f"{prefix}occurred_at >= ${len(args)}")
    if until is not None:
        args.append(until)
        clauses.append(f"{prefix}occurred_at < ${len(args)}")
    if after is not None:
        args.extend(after)
        clauses.append(f"({prefix}occurred_at, {prefix}position) {'<' if newest_first else '>'}"
                       f" (${len(args) - 1}, ${len(args)})")
    return clauses


async def audit_log_page(conn: asyncpg.Connection, *, filters: dict[str, Any] | None = None,
                         since: datetime | None = None, until: datetime | None = None,
                         after: tuple[datetime, int] | None = None, newest_first: bool = True,
                         limit: int = 50) -> list[asyncpg.Record]:
    """Keyset page in recorded order (`after` is the (occurred_at, position) of the previous page's last row);
    `limit + 1` rows."""
    args: list[Any] = []
    clauses = audit_filters(args, filters=filters, since=since, until=until, after=after, newest_first=newest_first)
    args.append(limit + 1)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    direction = "DESC" if newest_first else "ASC"
    return await conn.fetch(
        f"SELECT * FROM audit_log {where} ORDER BY occurred_at {direction}, position {direction}"
        f" LIMIT ${len(args)}", *args,
    )
