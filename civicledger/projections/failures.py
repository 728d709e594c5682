"""Read models that stopped on an error of their own, recorded where every process can see it: the runner
that stopped one writes a row, `/readyz` of any API process reads them, a runner that starts again clears its
own."""

from __future__ import annotations

import asyncpg

FAILURES = "projection_failures"

CREATE = (f"CREATE TABLE IF NOT EXISTS {FAILURES} (name text PRIMARY KEY, position bigint NOT NULL,"
          " error text NOT NULL, failed_at timestamptz NOT NULL DEFAULT now())")


async def record_failure(conn: asyncpg.Connection, name: str, position: int, exc: BaseException) -> None:
    await conn.execute(
        f"INSERT INTO {FAILURES} (name, position, error) VALUES ($1, $2, $3) ON CONFLICT (name)"
        " DO UPDATE SET position = EXCLUDED.position, error = EXCLUDED.error, failed_at = now()",
        name, position, f"{type(exc).__name__}: {exc}"[:2000],
    )


async def forget_failures(conn: asyncpg.Connection, names: list[str]) -> None:
    if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", FAILURES):
        await conn.execute(f"DELETE FROM {FAILURES} WHERE name = ANY($1)", names)


async def stopped(conn: asyncpg.Connection) -> dict[str, str]:
    """Read models stopped by any runner: name -> "error (at position N)"."""
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", FAILURES):
        return {}
    rows = await conn.fetch(f"SELECT name, position, error FROM {FAILURES} ORDER BY name")
    return {r["name"]: f"{r['error']} (at position {r['position']})" for r in rows}
