"""A few seconds without the database must not stop the read models for good (issue 10, finding 5): after an
immediate PostgreSQL stop and a start that keeps refusing connections for a while ("the database system is not
accepting connections", 57P03), and after "too many clients" (53300), the read models catch up by themselves,
`/readyz` says 503 meanwhile (naming the read models that wait and counting their attempts) and 200 after, and a
mutation afterwards returns without `CONSISTENCY_TIMEOUT`. And while no slot is free but the API process keeps the
connections it has, writes wait for those instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_websocket_reads import over_websocket
from tests.conftest import CASEWORKER_HAIZHU
from tests.reliability.client import REGISTER, RESIDENT, codes, graphql, readyz, resident_input
from tests.reliability.cluster import ApiServer, Cluster, api_server, throwaway_cluster, wait_until

pytestmark = pytest.mark.slow  # a cluster and server processes of its own


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster(max_connections=20) as cluster:
        cluster.create_database("app")
        yield cluster


@pytest.fixture
def server(cluster: Cluster) -> Iterator[ApiServer]:
    with api_server(cluster.url("app")) as server:
        wait_until(lambda: ready(server), 60, "ready after start")
        yield server


def register(server: ApiServer, name: str) -> dict:
    body = graphql(server.base_url, REGISTER, {"i": resident_input(name)}, token=CASEWORKER_HAIZHU)
    assert "errors" not in body, body
    return body["data"]["registerResident"]


def unready_because(server: ApiServer, check: str) -> dict:
    status, body = readyz(server.base_url)
    return body if status == 503 and check in body["failed"] else {}


def ready(server: ApiServer) -> dict:
    status, body = readyz(server.base_url)
    if status != 200:
        raise AssertionError(body)  # kept by wait_until as the last answer
    return body


def retries(server: ApiServer) -> dict[str, int]:
    """Each read model's attempts that met a database error, since the server started (`/readyz`)."""
    return readyz(server.base_url)[1]["checks"]["projections"].get("retries", {})


def read_models(server: ApiServer) -> list[str]:
    """The read models the server follows (from `/readyz` while it is ready)."""
    return sorted(ready(server)["checks"]["projections"]["lag"])


def each_met_it_twice_more(server: ApiServer, names: list[str], before: dict[str, int]) -> dict[str, int]:
    """Until each of these read models has met the database's refusal at least twice since `before` (every one
    keeps trying; none gave up or still waits for its first try); the counts then."""
    def counted() -> dict[str, int]:
        now = retries(server)
        return now if all(now.get(n, 0) >= before.get(n, 0) + 2 for n in names) else {}

    return wait_until(counted, 30, "each read model meets the database's refusal twice more")


def assert_recovered(server: ApiServer, earlier: dict) -> None:
    """Ready again, the read models caught up (what was written before is readable), and a new write is
    answered from its read model in time."""
    ready_again = wait_until(lambda: ready(server), 45, "ready again after the outage")
    assert not ready_again["failed"] and not ready_again["checks"]["projections"].get("stopped"), ready_again

    after = graphql(server.base_url, REGISTER, {"i": resident_input("恢复后")}, token=CASEWORKER_HAIZHU)
    before = graphql(server.base_url, RESIDENT, {"id": earlier["resident"]["id"]}, token=CASEWORKER_HAIZHU)

    assert "CONSISTENCY_TIMEOUT" not in codes(after) and "errors" not in after, after
    assert after["data"]["registerResident"]["resident"]["name"] == "恢复后"
    assert before["data"]["resident"]["idNumber"] == earlier["resident"]["idNumber"]


def test_read_models_recover_from_an_immediate_stop_and_a_slow_start(cluster: Cluster, server: ApiServer) -> None:
    earlier = register(server, "停机前")
    names = read_models(server)

    cluster.restart("immediate")  # a crash and a quick recovery
    assert_recovered(server, earlier)
    cluster.stop("immediate")
    wait_until(lambda: unready_because(server, "database"), 20, "503 while the database is down")
    cluster.start_recovering()  # up, but answering 57P03 to every connection
    each_met_it_twice_more(server, names, retries(server))
    during = unready_because(server, "database")
    cluster.promote()

    assert during, "readyz must say 503 (database) while the server refuses connections"
    assert set(names) <= set(during["checks"]["projections"]["retrying"]), during  # (and the processes)
    assert_recovered(server, earlier)


def test_read_models_recover_from_too_many_clients(cluster: Cluster, server: ApiServer) -> None:
    earlier = register(server, "满员前")
    names = read_models(server)

    # Freeze the server, cut its connections and take every slot before it can reconnect: when it wakes up,
    # every new connection it opens is refused with "sorry, too many clients already".
    server.pause()
    try:
        cluster.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = 'app' AND pid <> pg_backend_pid()")
        with cluster.every_connection_slot_taken() as held:
            server.resume()
            during = wait_until(lambda: unready_because(server, "database"), 20, "503 while no slot is free")
            each_met_it_twice_more(server, names, retries(server))
    finally:
        server.resume()

    assert held >= 10, held
    assert "too many" in during["checks"]["database"]["error"], during
    assert_recovered(server, earlier)



REGISTERED = "SELECT count(*) FROM events WHERE topic LIKE '%:Resident.Registered'"


async def register_over_http(client: httpx.AsyncClient, name: str) -> dict:
    response = await client.post("/graphql", json={"query": REGISTER, "variables": {"i": resident_input(name)}},
                                 headers={"Authorization": f"Bearer {CASEWORKER_HAIZHU}"})
    return response.json()  # type: ignore[no-any-return]


async def register_over_websocket(server: ApiServer, name: str) -> dict:
    """The registration's `next` payload (or its `error` message's) over graphql-transport-ws."""
    url = server.base_url.replace("http://", "ws://") + "/graphql"
    messages = await over_websocket(url, CASEWORKER_HAIZHU, REGISTER, {"i": resident_input(name)})
    payload = messages[0]["payload"]
    return payload if isinstance(payload, dict) else {"errors": payload}


async def test_writes_while_no_connection_slot_is_free_wait_for_the_servers_own(cluster: Cluster,
                                                                                 server: ApiServer) -> None:
    """Connections are opened on demand: with every other slot of the server taken while the API process keeps
    those it has, more writes at once (over HTTP and the WebSocket) than it has writers wait for one of those
    instead of failing: every one is answered as written, and written once."""
    register(server, "满员前")
    (before,) = cluster.execute(REGISTERED, "app")[0]
    with cluster.every_connection_slot_taken() as held:
        limits = httpx.Limits(max_connections=12, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60, limits=limits) as client:
            answers = await asyncio.gather(*(register_over_http(client, f"满员时{i}") for i in range(12)),
                                           register_over_websocket(server, "满员时套接字"))
    assert held >= 5, held

    assert all("errors" not in a for a in answers), [codes(a) for a in answers]
    (after,) = cluster.execute(REGISTERED, "app")[0]
    assert after - before == len(answers), (before, after)
