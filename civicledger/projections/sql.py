"""Bulk write helpers for projections: one statement per batch, not one per row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import asyncpg


async def upsert_rows(conn: asyncpg.Connection, table: str, key: str, columns: Mapping[str, str],
                      rows: Iterable[Mapping[str, Any]]) -> None:
    """INSERT ... SELECT FROM unnest(arrays) ON CONFLICT (key) DO UPDATE — whole batch in one statement."""
    rows = list(rows)
    if not rows:
        return
    names = list(columns)
    arrays = [[row.get(name) for row in rows] for name in names]
    unnest = ", ".join(f"${i + 1}::{columns[n]}[]" for i, n in enumerate(names))
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n != key)
    await conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({unnest})"
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}",
        *arrays,
    )


async def copy_rows(conn: asyncpg.Connection, table: str, columns: Sequence[str],
                    records: Sequence[tuple[Any, ...]]) -> None:
    if records:
        await conn.copy_records_to_table(table, records=records, columns=list(columns))


def records(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows (mappings that may lack some columns: None there) as tuples in `columns` order, for `copy_rows`: each
    row merged over a row of Nones and read by one `itemgetter`, in C, instead of a `get` per column in Python."""
    blank = dict.fromkeys(columns)
    if len(columns) == 1:
        return [({**blank, **row}[columns[0]],) for row in rows]
    pick = itemgetter(*columns)
    return [pick({**blank, **row}) for row in rows]


async def try_create_extension(conn: asyncpg.Connection, name: str) -> bool:
    """Extensions such as pg_trgm make searches faster but are optional: a managed server may refuse them."""
    try:
        async with conn.transaction():
            await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        return True
    except asyncpg.PostgresError:
        return False
