"""The safe horizon of the log: below it, no event can still appear.

Every append takes, inside the microsecond position lock and right after its transaction id, a shared
transaction-level advisory lock keyed by that id (a *marker*), held until it commits or aborts. Positions are
handed out in transaction-id order, so an event is safe to deliver when its transaction id is below

    bound = min( xmax of a snapshot taken first,  the ids of appends still marked in flight, read second )

and the rows are then read by a *later* statement. Proof sketch: a visible row r with tx(r) < xmax was given
its id before the snapshot; any append holding a lower position took its marker earlier still, so when the
markers are read it is either still marked (then bound <= its id < tx(r): r waits) or finished (then the
later read sees its rows). Transactions that are not appends — another database's batch job, a projection's
write transaction, a long report — hold no marker and never hold delivery back, which a bound based on
`pg_snapshot_xmin` (every transaction in the cluster) would.

Two statements, in this order, on a connection in autocommit (READ COMMITTED): `HORIZON` then the read
with `tx < bound`."""

from __future__ import annotations

import hashlib

MARKER_SPACE = 1 << 32


def marker_class(table: str) -> int:
    """The advisory-lock class (a signed int4) that marks in-flight appends to `table`."""
    value = int.from_bytes(hashlib.sha256(f"civicledger-marker:{table}".encode()).digest()[:4], "big")
    return value - MARKER_SPACE if value >= MARKER_SPACE // 2 else value


def marker_classid(table: str) -> int:
    """The marker class as pg_locks shows it (an unsigned oid)."""
    return marker_class(table) % MARKER_SPACE


def horizon_sql(placeholder: str) -> str:
    """Statement 1: (xmax of this statement's snapshot, low 32 bits of the marked in-flight append ids).
    The placeholder takes `marker_classid(table)`."""
    return (
        "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax,"
        " (SELECT array_agg(l.objid::bigint) FROM pg_locks l"
        "   WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted"
        f"     AND l.classid::bigint = {placeholder}::bigint"
        "     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS inflight"
    )


def safe_bound(xmax: int, inflight_low32: list[int] | None) -> int:
    """The smallest transaction id that may not be delivered yet."""
    bound = xmax
    xmax_low = xmax % MARKER_SPACE
    for low in inflight_low32 or ():
        behind = (xmax_low - low) % MARKER_SPACE
        if behind == 0 or behind >= MARKER_SPACE // 2:
            continue  # an id at or after xmax: already excluded by xmax
        bound = min(bound, xmax - behind)
    return bound


def marker_sql(marker: int, xid_expression: str, target: str = "v_void") -> str:
    """PL/pgSQL statement taking the marker for the transaction id in `xid_expression` (an xid8): an assignment
    to the function's `target` variable (a text), which PL/pgSQL evaluates as an expression — a PERFORM would
    run a query through the executor, several microseconds more on every append."""
    return (
        f"{target} := pg_advisory_xact_lock_shared({marker}, "
        f"(({xid_expression})::text::bigint & 4294967295)::bit(32)::int4)"
    )


async def bound_async(conn: object, table: str = "events") -> int:
    """The safe bound, with asyncpg."""
    row = await conn.fetchrow(horizon_sql("$1"), marker_classid(table))  # type: ignore[attr-defined]
    return safe_bound(row["xmax"], row["inflight"])


async def horizon_position_async(conn: object, table: str = "events") -> int:
    """The highest position whose event can be delivered now (0 when none)."""
    bound = await bound_async(conn, table)
    position = await conn.fetchval(  # type: ignore[attr-defined]
        f"SELECT notification_id FROM {table} WHERE tx < $1::text::xid8 ORDER BY notification_id DESC LIMIT 1",
        str(bound),
    )
    return int(position or 0)
