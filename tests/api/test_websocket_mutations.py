"""Mutations over graphql-transport-ws take the same plan as over HTTP (graphql/mutation_plan.py): one plan per
document for both transports, and the planned answer is the executor's — data, typed errors and the messages
sent (`next` then `complete`, or one `error` for input refused before any field ran) — for a success, a refused
caller and bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from civicledger.graphql.mutation_plan import MutationPlans
from civicledger.runtime import Runtime
from tests.api.servers import serving
from tests.api.test_mutation_plan import PLAIN, _without, executor_only, resident
from tests.api.test_websocket_reads import over_websocket
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, error_codes

REGISTERED = "SELECT count(*) FROM events WHERE topic LIKE '%:Resident.Registered'"


@pytest_asyncio.fixture(scope="module")
async def ws_url(app: Any) -> AsyncIterator[str]:
    async with serving(app) as port:
        yield f"ws://127.0.0.1:{port}/graphql"


async def both(app: Any, url: str, bearer: str, variables: dict[str, Any], other: dict[str, Any]
               ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages of the mutation planned, then of the executor (with variables of its own), over WebSocket."""
    plans: MutationPlans = app.state.graphql_http.mutations
    before = dict(plans.stats)
    planned = await over_websocket(url, bearer, PLAIN, variables)
    assert plans.stats["planned"] == before["planned"] + 1, "the plan answered over the WebSocket"
    with executor_only(app):
        executed = await over_websocket(url, bearer, PLAIN, other)
    assert plans.stats["executor"] == before["executor"] + 1, "the executor answered"
    return planned, executed


async def test_a_registration_over_websocket_is_planned_and_answers_as_the_executor(app: Any, ws_url: str,
                                                                                  runtime: Runtime) -> None:
    planned, executed = await both(app, ws_url, CASEWORKER_HAIZHU, {"i": resident(name="套接字写")},
                                   {"i": resident(name="套接字写")})

    assert [m["type"] for m in planned] == [m["type"] for m in executed] == ["next", "complete"]
    assert _without(planned, "residentId", "position") == _without(executed, "residentId", "position")
    written = planned[0]["payload"]["data"]["registerResident"]
    assert written["version"] == 1 and written["replayed"] is False
    async with runtime.pool.acquire() as conn:  # in the log (the read models follow it)
        assert await conn.fetchval("SELECT count(*) FROM events WHERE originator_id = $1::uuid",
                                   written["residentId"]) == 1


@pytest.mark.parametrize(("bearer", "bad", "code"), [
    (CASEWORKER_TIANHE, {}, "FORBIDDEN"),  # another district's caseworker
    (CASEWORKER_HAIZHU, {"idNumber": "４４０１０５１９８００１０１００１X"}, "INVALID_INPUT"),  # full-width digits
    (CASEWORKER_HAIZHU, {"name": "王\x00芳"}, "INVALID_INPUT"),
    (CASEWORKER_HAIZHU, {"phone": "1" * 20_000}, "INVALID_INPUT"),  # a huge string
])
async def test_a_refusal_over_websocket_is_the_executors_and_writes_nothing(app: Any, ws_url: str, runtime: Runtime,
                                                                          bearer: str, bad: dict[str, Any],
                                                                          code: str) -> None:
    name = "套接字拒"
    async with runtime.pool.acquire() as conn:
        before = await conn.fetchval(REGISTERED)
    planned, executed = await both(app, ws_url, bearer, {"i": {**resident(name=name), **bad}},
                                   {"i": {**resident(name=name), **bad}})

    assert planned == executed
    last = planned[-1]
    if last["type"] == "error":  # refused by the input guard before any field ran
        assert [m["type"] for m in planned] == ["error"] and error_codes({"errors": last["payload"]}) == [code]
    else:  # refused by the service: the field's error, data null
        assert [m["type"] for m in planned] == ["next", "complete"]
        assert error_codes(planned[0]["payload"]) == [code] and planned[0]["payload"]["data"] is None
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval(REGISTERED) == before
