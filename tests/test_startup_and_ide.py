"""Start-up is idempotent, a test's scratch database is what a first start makes, and GraphiQL exists only in development."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from civicledger.runtime import Runtime
from tests import dbutil
from tests.conftest import make_settings

CATALOG = """
SELECT 'table ' || table_name || '.' || column_name || ' ' || data_type
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT 'function ' || p.proname || ' ' || md5(p.prosrc) FROM pg_proc p
  JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
UNION ALL SELECT 'tracking ' || application_name || '=' || notification_id FROM projection_tracking
ORDER BY 1"""


def catalog(params: ConnectionParams) -> list[str]:
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        return [row[0] for row in conn.execute(CATALOG)]


async def start_and_stop(params: ConnectionParams) -> None:
    runtime = Runtime(make_settings(), params)
    await runtime.start(run_projections=False)
    await runtime.close()


async def test_a_second_start_on_the_same_data_changes_nothing(empty_db: ConnectionParams) -> None:
    await start_and_stop(empty_db)
    first = catalog(empty_db)

    await start_and_stop(empty_db)

    assert catalog(empty_db) == first
    assert any(line.startswith("table events.") for line in first)


def log_identity(params: ConnectionParams) -> list[tuple[Any, ...]]:
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        return conn.execute("SELECT log_id FROM log_identity").fetchall()


async def test_a_scratch_database_is_what_a_first_start_makes_with_a_log_of_its_own(
        empty_db: ConnectionParams, scratch_db: ConnectionParams) -> None:
    """`scratch_db` is a copy of a template database (tests/dbutil.py): it must be exactly what a first start
    makes of an empty database (tables, columns, indexes, functions, positions), with an empty log and a log
    identity of its own."""
    runtime = Runtime(make_settings(), empty_db)
    await runtime.start(run_projections=False, run_processes=False)
    await runtime.close()

    assert catalog(scratch_db) == catalog(empty_db)
    with psycopg.connect(**scratch_db.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
    ours, template = log_identity(scratch_db), log_identity(dbutil.test_server().with_dbname(dbutil.template_database()))
    assert len(ours) == len(template) == 1 and ours != template


async def graphiql_status(settings: Any, params: ConnectionParams) -> tuple[int, str]:
    app = create_app(settings, params=params, run_projections=False)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as client):
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    return response.status_code, response.text


async def test_graphiql_is_served_in_development_only(empty_db: ConnectionParams) -> None:
    dev = await graphiql_status(make_settings(environment="development"), empty_db)
    prod = await graphiql_status(make_settings(environment="production"), empty_db)

    assert dev[0] == 200 and "graphiql" in dev[1].lower()
    assert "graphiql" not in prod[1].lower()
