"""The response cache: a repeated read is served from memory, a write invalidates it, it never shows one
role what only another may see, and every cached unmasked read is still logged."""

from __future__ import annotations

from typing import Any

import httpx

from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, CASEWORKER_TIANHE, GQL

QUERY = "query($id: ID!) { resident(id: $id) { name idNumber phone version } }"


async def count_reads(runtime: Runtime, reader: str) -> int:
    async with runtime.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM personal_data_reads WHERE reader_id = $1", reader))


async def test_repeated_reads_hit_the_cache_and_are_still_logged(gql: GQL, app: Any, runtime: Runtime) -> None:
    cache = app.state.graphql_http.cache
    payload = await register(gql, as_=CASEWORKER_HAIZHU, name="缓存甲")
    rid = payload["resident"]["id"]
    await runtime.positions.wait_for(payload["position"], timeout=10)
    logged = await count_reads(runtime, "cw-li")

    first = await gql(QUERY, {"id": rid})
    hits = cache.hits
    second = await gql(QUERY, {"id": rid})

    assert first == second
    assert cache.hits == hits + 1
    assert await count_reads(runtime, "cw-li") == logged + 2


async def test_a_write_invalidates_what_was_cached(gql: GQL, runtime: Runtime) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="缓存乙"))["resident"]["id"]
    before = await gql(QUERY, {"id": rid})
    await gql(QUERY, {"id": rid})

    change = await gql("""mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position } }""",
                       {"i": {"residentId": rid, "phone": "13612345678", "reason": "new number"}})
    after = await gql(QUERY, {"id": rid},
                      extensions={"minPosition": change["data"]["correctResidentDetails"]["position"]})

    assert before["data"]["resident"]["phone"] == "13800138000"
    assert after["data"]["resident"]["phone"] == "13612345678"
    assert after["data"]["resident"]["version"] == 2


async def test_the_cache_never_shows_a_role_what_it_may_not_see(gql: GQL) -> None:
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="缓存丙"))["resident"]["id"]

    own = await gql(QUERY, {"id": rid}, as_=CASEWORKER_HAIZHU)
    other = await gql(QUERY, {"id": rid}, as_=CASEWORKER_TIANHE)
    own_again = await gql(QUERY, {"id": rid}, as_=CASEWORKER_HAIZHU)

    assert "*" not in own["data"]["resident"]["idNumber"]
    assert "*" in other["data"]["resident"]["idNumber"] and "*" in other["data"]["resident"]["phone"]
    assert own_again == own


async def test_the_cache_is_not_used_while_its_positions_cannot_be_proven_fresh(
        gql: GQL, app: Any, runtime: Runtime, http: httpx.AsyncClient) -> None:
    cache = app.state.graphql_http.cache
    rid = (await register(gql, as_=CASEWORKER_HAIZHU, name="缓存丁"))["resident"]["id"]
    await gql(QUERY, {"id": rid})
    await gql(QUERY, {"id": rid})
    hits, refused = cache.hits, cache.refused

    await runtime.positions.stop()  # as when its connection is lost: nobody hears the read models move
    try:
        untrusted = await gql(QUERY, {"id": rid})
        untrusted_again = await gql(QUERY, {"id": rid})
        unready = await http.get("/readyz")
    finally:
        await runtime.positions.start()
    await gql(QUERY, {"id": rid})
    trusted_again = await gql(QUERY, {"id": rid})

    assert untrusted["data"] == untrusted_again["data"] == trusted_again["data"]
    assert cache.refused == refused + 2 and cache.hits == hits + 1
    assert unready.status_code == 503 and unready.json()["failed"] == ["listener"]
