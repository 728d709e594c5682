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
from datetime import UTC, datetime, timedelta
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


_TL = ("json_build_object('edges', coalesce((SELECT json_agg(json_build_object('node', json_build_object("
       "'occurredAt', t.occurred_at, 'program', t.program, 'kind', t.kind, 'summary', t.summary, 'position',"
       " t.position)) ORDER BY t.position DESC) FROM (SELECT * FROM client_timeline t WHERE t.resident_id = mr.id"
       " ORDER BY t.position DESC LIMIT 10) t), '[]'))")

RAW_INTEGRATOR: dict[str, tuple[str, bytes]] = {
    "family": (
        "SELECT json_build_object('id', r.id, 'name', r.name, 'household', CASE WHEN h.id IS NULL THEN NULL ELSE"
        " json_build_object('size', h.size, 'members', coalesce((SELECT json_agg(json_build_object('relationship',"
        " m.e->>'relationship', 'resident', json_build_object('id', mr.id, 'name', mr.name, 'timeline', " + _TL
        + ")) ORDER BY m.o) FROM jsonb_array_elements(h.members) WITH ORDINALITY m(e, o)"
        " JOIN residents mr ON mr.id = (m.e->>'residentId')::uuid), '[]')) END)"
        " FROM residents r LEFT JOIN households h ON h.id = r.household_id WHERE r.id = $1", b"resident"),
    "caseload": (
        "SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object("
        "'id', c.id, 'program', c.program, 'status', c.status, 'householdSize', c.household_size, 'appliedOn',"
        " c.applied_on, 'verificationRound', c.verification_round, 'sourcesAnswered', c.sources_answered,"
        " 'verification', coalesce((SELECT json_agg(json_build_object('residentId', v.member_id, 'source', v.source,"
        " 'status', v.status) ORDER BY v.member_id, v.source) FROM assistance_verification v"
        " WHERE v.case_id = c.id), '[]'))) ORDER BY c.seq), '[]'))"
        " FROM (SELECT * FROM assistance_cases WHERE district = $1 ORDER BY seq LIMIT 20) c", b"assistanceCases"),
    "search": (
        "SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object("
        "'id', r.id, 'name', r.name, 'district', r.district)) ORDER BY r.seq), '[]'))"
        " FROM (SELECT * FROM residents WHERE name ILIKE $1 AND district = $2"
        # our search's index clause (`projections.residents.search_filters`): the same predicate as ours
        " AND residents_name_grams(name) @> residents_term_grams($3::text[]) ORDER BY seq LIMIT 20) r",
        b"residents"),
    "audit": (
        "SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object("
        "'position', a.position, 'streamId', a.stream_id, 'program', a.program, 'kind', a.kind, 'occurredAt',"
        " a.occurred_at, 'actor', json_build_object('id', a.actor_id, 'role', a.actor_role, 'office',"
        " a.actor_office))) ORDER BY a.occurred_at DESC, a.position DESC), '[]'))"
        " FROM (SELECT * FROM audit_log WHERE program = $1 ORDER BY occurred_at DESC, position DESC LIMIT 50) a",
        b"auditLog"),
}


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
    from civicledger.projections.linkage_queues import ITEMS
    from civicledger.projections.residents import literal_runs

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

    async def integrator(request: Request) -> Response:
        """The five integrator-shaped queries of `bench/integrator.py`, each one SQL statement (the queue: its
        counts and its page, like ours), JSON built by PostgreSQL, the same shape as the GraphQL answer."""
        body = orjson.loads(await request.body())
        op, v = body["op"], body.get("variables") or {}
        async with state["pool"].acquire() as conn:
            if op == "queue":
                moment = datetime.now(UTC)
                soon = moment + timedelta(hours=48)
                org = uuid.UUID(v["org"])
                counts = {r[0]: r[1] for r in await conn.fetch(
                    ITEMS + "SELECT bucket, count(*) FROM bucketed GROUP BY bucket", org, None, moment, soon)}
                rows = await conn.fetch(
                    ITEMS + "SELECT kind, bucket, due, urgency, sub_item FROM bucketed ORDER BY sort_due, item_id"
                    " LIMIT 21", org, None, moment, soon)
                edges = [{"node": {"kind": r[0], "bucket": r[1], "due": r[2], "urgency": r[3], "subItem": {"code": r[4]}}}
                         for r in rows[:20]]
                return Response(orjson.dumps({"data": {"linkageWorkQueue": {
                    "counts": {"overdue": counts.get("OVERDUE", 0), "dueSoon": counts.get("DUE_SOON", 0),
                               "open": counts.get("OPEN", 0)}, "edges": edges}}}), media_type="application/json")
            sql, root = RAW_INTEGRATOR[op]
            args = {"family": lambda: (uuid.UUID(v["id"]),), "caseload": lambda: (v["district"],),
                    "search": lambda: (f"%{v['name']}%", v["district"], literal_runs(v["name"])),
                    "audit": lambda: (v["program"],)}[op]()
            text = await conn.fetchval(sql, *args)
        return Response(b'{"data":{"' + root + b'":' + (text or "null").encode() + b"}}",
                        media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/raw", timeline, methods=["POST"]), Route("/insert", insert, methods=["POST"]),
                             Route("/raw/integrator", integrator, methods=["POST"]), Route("/health", health)],
                     lifespan=lifespan)
