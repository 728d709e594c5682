"""An erased resident's ID number is never served again, also by API processes whose connection to the
database was cut by a restart (issue 10, finding 3): each process's response cache is kept fresh by a LISTEN
connection; a cache that cannot be proven fresh must not be used, and the listener must come back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import ADMIN, CASEWORKER_HAIZHU
from tests.reliability.client import ERASE, REGISTER, RESIDENT, graphql, readyz, resident_input
from tests.reliability.cluster import ApiServer, Cluster, api_server, throwaway_cluster, wait_until

pytestmark = pytest.mark.slow  # a cluster and server processes of its own

READS = 40


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster(max_connections=40) as cluster:
        cluster.create_database("app")
        yield cluster


@pytest.fixture
def two_processes(cluster: Cluster) -> Iterator[ApiServer]:
    """`serve --workers 2`: two API processes behind one port (response cache on), projections in a worker."""
    with api_server(cluster.url("app"), workers=2, CIVICLEDGER_RESPONSE_CACHE="on") as server:
        yield server


def processes_answering(server: ApiServer) -> set[int]:
    """Which API processes answered 20 fresh connections (the kernel spreads them)."""
    return {readyz(server.base_url)[1]["process"] for _ in range(20)}


def id_numbers_served(server: ApiServer, resident_id: str) -> list[str | None]:
    bodies = [graphql(server.base_url, RESIDENT, {"id": resident_id}, token=CASEWORKER_HAIZHU) for _ in range(READS)]
    assert all("errors" not in b for b in bodies), [b for b in bodies if "errors" in b][:2]
    return [b["data"]["resident"]["idNumber"] for b in bodies]


def test_an_erased_id_number_is_never_served_after_a_database_restart(cluster: Cluster,
                                                                      two_processes: ApiServer) -> None:
    server = two_processes
    wait_until(lambda: len(processes_answering(server)) == 2, 60, "both API processes answering")
    registered = graphql(server.base_url, REGISTER, {"i": resident_input("待删除")}, token=CASEWORKER_HAIZHU)
    resident = registered["data"]["registerResident"]["resident"]
    before = id_numbers_served(server, resident["id"])  # now in both processes' response caches

    cluster.restart("immediate")
    wait_until(lambda: "errors" not in graphql(server.base_url, RESIDENT, {"id": resident["id"]},
                                               token=CASEWORKER_HAIZHU), 30, "reads work again")
    erased = graphql(server.base_url, ERASE, {"i": {"residentId": resident["id"], "requestReference": "PIPL-2026-0107",
                                                    "reason": "the resident withdrew consent"}}, token=ADMIN)
    assert "errors" not in erased, erased
    after = id_numbers_served(server, resident["id"])
    wait_until(lambda: len(processes_answering(server)) == 2, 30, "both API processes still answering")

    assert set(before) == {resident["idNumber"]}
    assert resident["idNumber"] not in after, f"served {after.count(resident['idNumber'])} of {READS} times"
    assert set(after) == {None}
