"""A rough in-process figure for issue 12 item 1: the planner against the resolvers on the same document, one
process, the response cache off, requests through the ASGI app (httpx's in-process transport: no sockets).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m bench.planner_vs_resolvers

Documents: a resident + household + members + each member's 10 newest timeline entries (the issue's
"not compiled" row), and one timeline page. A fresh database is seeded with households of three residents,
each with a dozen timeline entries; requests pick a random head. Prints per-request wall and CPU time
(median of rounds, paths interleaved)."""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from typing import Any

import httpx

from civicledger.app import create_app
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, make_settings, new_id_number
from tests.dbutil import fresh_database

FAMILY = """query($id: ID!) { resident(id: $id) { id name idNumber
  household { size members { relationship resident { id name idNumber phone address { street }
    timeline(first: 10) { edges { cursor node { occurredAt program kind summary position } } } } } } } }"""
TIMELINE = """query($id: ID!) { resident(id: $id) { name idNumber timeline(first: 50) {
  pageInfo { hasNextPage endCursor } edges { cursor node { occurredAt program kind summary position } } } } }"""


async def _gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any],
               bearer: str = CASEWORKER_HAIZHU) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers={"Authorization": f"Bearer {bearer}"})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def _seed(client: httpx.AsyncClient, households: int) -> list[str]:
    heads = []
    for h in range(households):
        ids = []
        for m in range(3):
            made = await _gql(client, """mutation($i: RegisterResidentInput!) { registerResident(input: $i) {
                resident { id } } }""", {"i": {"name": f"测量{h}号{m}", "idNumber": new_id_number(), "district": "HAIZHU",
                                               "street": "江海街", "community": "红卫社区", "phone": "13800138000"}})
            ids.append(made["registerResident"]["resident"]["id"])
        for rid in ids:
            for n in range(10):
                await _gql(client, """mutation($i: ChangeResidentAddressInput!) { changeResidentAddress(input: $i) {
                    position } }""", {"i": {"residentId": rid, "district": "HAIZHU",
                                             "street": ("滨江街", "素社街")[n % 2], "community": "社区"}})
        made = await _gql(client, """mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) {
            household { id } } }""", {"i": {"headId": ids[0]}})
        hid = made["establishHousehold"]["household"]["id"]
        for rid, rel in zip(ids[1:], ("SPOUSE", "CHILD"), strict=True):
            await _gql(client, """mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) {
                position } }""", {"i": {"householdId": hid, "residentId": rid, "relationship": rel}})
        heads.append(ids[0])
    return heads


async def main(households: int = 20, rounds: int = 7, per_round: int = 100) -> None:
    with fresh_database("civicledger_bench_planner") as params:
        app = create_app(make_settings(response_cache=False, access_log=False), params=params,
                         run_projections=True, run_processes=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
                heads = await _seed(client, households)
                await asyncio.sleep(1.0)  # let the read models catch up
                http = app.state.graphql_http
                rng = random.Random(12)
                for label, query, bearer in (
                        ("resident + household members + 10 newest entries each, district caseworker (reads "
                         "logged)", FAMILY, CASEWORKER_HAIZHU),
                        ("the same, another district's caseworker (masked, nothing logged)", FAMILY,
                         CASEWORKER_TIANHE),
                        ("timeline page (50 entries), another district", TIMELINE, CASEWORKER_TIANHE)):
                    figures: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
                    for _ in range(rounds):
                        for planned in (True, False):
                            http.compile = planned
                            wall, cpu = time.perf_counter(), time.process_time()
                            for _ in range(per_round):
                                await _gql(client, query, {"id": rng.choice(heads)}, bearer)
                            figures[planned].append(((time.perf_counter() - wall) / per_round * 1000,
                                                     (time.process_time() - cpu) / per_round * 1000))
                    http.compile = True
                    p_wall = statistics.median(w for w, _ in figures[True])
                    r_wall = statistics.median(w for w, _ in figures[False])
                    p_cpu = statistics.median(c for _, c in figures[True])
                    r_cpu = statistics.median(c for _, c in figures[False])
                    print(f"{label}: planned {p_wall:.2f} ms wall / {p_cpu:.2f} ms CPU per request; resolvers "
                          f"{r_wall:.2f} ms / {r_cpu:.2f} ms; planned is {r_wall / p_wall:.1f}x faster (wall)")
                    sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main())
