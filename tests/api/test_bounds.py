"""Bounds at the transport: a body-size limit enforced while reading, a statement timeout that is a typed error,
and a request whose client leaves is cancelled — on the database server too."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from tests.api.servers import serving
from tests.conftest import CASEWORKER_HAIZHU, error_codes, make_settings

HEADERS = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/graphql-response+json"}
SEARCH = '{ residents(filter: {district: "HAIZHU", name: "离开"}, first: 2) { edges { node { id name } } } }'  # compiled
HOUSEHOLDS = '{ residents(filter: {district: "HAIZHU"}, first: 2) { edges { node { household { size } } } } }'


async def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(http: httpx.AsyncClient) -> None:
    sent = 0

    async def hundred_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ viewer { role } }", "pad": "'
        for _ in range(1600):
            sent += 65536
            yield b"x" * 65536
        yield b'"}'

    response = await http.post("/graphql", content=hundred_megabytes(),
                               headers={**HEADERS, "Content-Type": "application/json"})

    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]
    assert sent < 3 * (1 << 20)  # the limit is 1 MiB: reading stopped there, not after 100 MB


async def test_a_declared_content_length_over_the_limit_is_refused_at_once(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"{}", headers={**HEADERS, "Content-Type": "application/json",
                                                                  "Content-Length": str(200 << 20)})

    assert response.status_code == 413


@contextlib.asynccontextmanager
async def residents_locked(params: ConnectionParams) -> AsyncIterator[None]:
    """Every statement that reads `residents` waits while this transaction holds its lock: a slow query."""
    conn = await asyncpg.connect(params.url)
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE residents IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


@pytest.fixture
def bounded_app(app_db: ConnectionParams, app: Any) -> Iterator[Any]:
    """A second API process on the session's database, with a 300 ms statement timeout and an 8 KiB body limit."""
    yield create_app(make_settings(statement_timeout_ms=300, max_body_bytes=8192), params=app_db,
                     run_projections=False)


async def test_an_overlong_query_string_is_refused(bounded_app: Any) -> None:
    async with (bounded_app.router.lifespan_context(bounded_app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=bounded_app), base_url="http://x") as client):
        response = await client.get("/graphql", params={"query": "{ viewer { role } }", "x": "y" * 10_000},
                                    headers=HEADERS)

    assert (response.status_code, error_codes(response.json())) == (414, ["URI_TOO_LONG"])


@pytest.mark.parametrize("query", [SEARCH, HOUSEHOLDS])
async def test_a_statement_over_the_timeout_is_a_typed_error(bounded_app: Any, app_db: ConnectionParams,
                                                             query: str) -> None:
    async with (bounded_app.router.lifespan_context(bounded_app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=bounded_app), base_url="http://x") as client,
                residents_locked(app_db)):
        response = await client.post("/graphql", json={"query": query}, headers=HEADERS)

    assert response.status_code == 200
    assert error_codes(response.json()) == ["STATEMENT_TIMEOUT"]
    assert response.json()["data"] is None


async def waiting_backends(conn: asyncpg.Connection) -> list[int]:
    rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                            " AND application_name = 'civicledger' AND state = 'active' AND wait_event_type = 'Lock'"
                            " AND query ILIKE '%FROM residents%'")
    return [r["pid"] for r in rows]


async def test_a_query_is_cancelled_on_the_server_when_its_client_leaves(app: Any, app_db: ConnectionParams,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    body = json.dumps({"query": SEARCH}).encode()
    request = (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               + f"Authorization: Bearer {CASEWORKER_HAIZHU}\r\nX-Correlation-Id: leaving-client\r\n".encode()
               + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    observer = await asyncpg.connect(app_db.url)
    caplog.set_level("INFO", logger="civicledger.access")
    try:
        async with serving(app) as port, residents_locked(app_db):
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            for _ in range(200):  # the request's statement is now running on the server, stuck on the lock
                if waiting := await waiting_backends(observer):
                    break
                await asyncio.sleep(0.05)
            assert waiting, "the request never reached the database"

            writer.close()  # the client goes away
            for _ in range(200):
                if not await waiting_backends(observer):
                    break
                await asyncio.sleep(0.05)
            still_running = await waiting_backends(observer)
    finally:
        await observer.close()

    assert still_running == [], "the statement kept running after its client left"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "civicledger.access"]
    assert [line["status"] for line in lines if line["correlationId"] == "leaving-client"] == [499]
