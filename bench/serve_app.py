"""App factories for uvicorn (`--factory`): our API, and the raw asyncpg baseline, configured from the
environment so that the harness can start them with `--workers N` like any deployment.

Our API: `Settings.from_env()` (DATABASE_URL, CIVICLEDGER_MASTER_KEY, CIVICLEDGER_JWT_SECRET, ...), no
in-process projection runner (the harness catches the projections up before measuring, and nothing writes
while it measures). Response caches: `CIVICLEDGER_RESPONSE_CACHE=on|off` is the switch the harness sets;
when `Settings` has a `response_cache` field it is passed explicitly too."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

RESPONSE_CACHE_ENV = "CIVICLEDGER_RESPONSE_CACHE"
# `on`: run the projections in the server process, as `serve` does (the write-mix benchmark needs its writes
# projected and heard by the cache); off by default.
PROJECTIONS_ENV = "CIVICLEDGER_BENCH_PROJECTIONS"


def _on(value: str | None) -> bool:
    return (value or "off").strip().lower() in ("1", "on", "true", "yes")


def create_app() -> Any:
    from civicledger.app import create_app as create_civic_app
    from civicledger.core.db import ConnectionParams
    from civicledger.settings import Settings

    settings = Settings.from_env(response_cache=_on(os.environ.get(RESPONSE_CACHE_ENV)))
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL must be set for the benchmark servers")
    return create_civic_app(settings, params=ConnectionParams.from_url(settings.database_url),
                            run_projections=_on(os.environ.get(PROJECTIONS_ENV)))


RAW_TIMELINE = (
    "SELECT occurred_at, program, kind, summary, position FROM client_timeline"
    " WHERE resident_id = $1 ORDER BY position DESC LIMIT $2"
)


def create_raw_app() -> Any:
    """The floor: the same rows by one asyncpg query behind a plain Starlette endpoint, the same JSON
    shape as the GraphQL answer, orjson. No GraphQL, no auth, no access log."""
    import asyncpg
    import orjson
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from bench.writers import RAW_DDL, RAW_TABLE, RAW_TOPIC

    raw_insert = f"INSERT INTO {RAW_TABLE} (originator_id, originator_version, topic, state) VALUES ($1, $2, $3, $4)"

    url = os.environ["DATABASE_URL"]
    pool_size = int(os.environ.get("CIVICLEDGER_READ_POOL_SIZE", "8")) + 2
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(url, min_size=2, max_size=pool_size)
        try:
            yield
        finally:
            await state["pool"].close()

    async def timeline(request: Request) -> Response:
        body = orjson.loads(await request.body())
        variables = body.get("variables") or {}
        async with state["pool"].acquire() as conn:
            rows = await conn.fetch(RAW_TIMELINE, variables["id"], int(variables.get("first", 50)))
        edges = [{"node": {"occurredAt": r[0], "program": r[1], "kind": r[2], "summary": r[3], "position": r[4]}}
                 for r in rows]
        return Response(orjson.dumps({"data": {"resident": {"timeline": {"edges": edges}}}}),
                        media_type="application/json")

    async def insert(request: Request) -> Response:
        """The write floor (bench/command_http.py): one prepared single-row INSERT of an event-shaped row per
        autocommit transaction (the row `bench.writers` calls `raw`), created on first use."""
        await request.body()
        if "payload" not in state:
            async with state["pool"].acquire() as conn:
                for ddl in RAW_DDL:
                    await conn.execute(ddl)
            state["payload"] = os.urandom(663)
        async with state["pool"].acquire() as conn:
            await conn.execute(raw_insert, uuid.uuid4(), 1, RAW_TOPIC, state["payload"])
        return Response(b'{"ok":true}', media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/raw", timeline, methods=["POST"]), Route("/insert", insert, methods=["POST"]),
                             Route("/health", health)],
                     lifespan=lifespan)
