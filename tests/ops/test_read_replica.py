"""GraphQL reads from a replica (`DATABASE_READ_URL`) and read-your-writes stays correct there: a streaming
standby that replays two seconds behind the primary answers a plain query with what it has replayed (so the
reads really go there), a query with `minPosition` waits until the standby has replayed that write and then
answers it, and a wait that runs out is `CONSISTENCY_TIMEOUT` — never a stale answer."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
import pytest

from civicledger.app import create_app
from civicledger.core.errors import ConsistencyTimeoutError
from civicledger.ops.cluster import LocalCluster, standby_of
from civicledger.ops.processes import free_port, work_directory
from civicledger.projections.replica_positions import ReplicaPositions
from tests.api.helpers import REGISTER
from tests.conftest import CASEWORKER_HAIZHU, make_settings, new_id_number

LAG_MS = 2000
PHONE = """query($id: ID!) { resident(id: $id) { phone } }"""
CORRECT = """mutation($i: CorrectResidentDetailsInput!) { correctResidentDetails(input: $i) { position } }"""
GRAPHQL = Path(__file__).resolve().parents[2] / "civicledger" / "graphql"
# The read-access log's writes, and what a command looks up to decide (the primary's truth).
WRITES_ON_PRIMARY = {("access.py", "log_reads"), ("assistance/mutations.py", "generate_assistance_payroll"),
                     ("meals/mutations.py", "void_meal"), ("meals/mutations.py", "settle_meal_month")}


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], **extensions: Any) -> dict[str, Any]:
    body = {"query": query, "variables": variables, **({"extensions": extensions} if extensions else {})}
    response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {CASEWORKER_HAIZHU}"})
    return response.json()  # type: ignore[no-any-return]


async def test_reads_on_a_lagging_replica_wait_for_the_requested_position() -> None:
    with work_directory("civicledger-replica-test") as directory:
        primary = LocalCluster(directory / "primary", free_port(5530, 5534))
        replica: LocalCluster | None = None
        try:
            primary.init().start()
            database = primary.create_database("civicledger")
            replica = standby_of(primary, directory / "replica", free_port(5535, 5539), apply_delay_ms=LAG_MS)
            settings = make_settings(database_read_url=replica.params("civicledger").url)
            app = create_app(settings, params=database, run_projections=True)
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://replica.test") as client:
                await lagging_reads(app, client)
        finally:
            if replica is not None:
                replica.close()
            primary.close()


async def lagging_reads(app: Any, client: httpx.AsyncClient) -> None:
    runtime = app.state.runtime
    assert isinstance(runtime.positions, ReplicaPositions) and runtime.read_pool is not runtime.pool
    registered = await post(client, REGISTER, {"input": {
        "name": "王芳", "idNumber": new_id_number(), "district": "HAIZHU", "street": "江海街", "community": "红卫社区",
        "phone": "13800138000"}})
    resident = registered["data"]["registerResident"]
    assert resident["resident"]["idNumber"]  # the payload's read waited for the replica, then found the row

    corrected = await post(client, CORRECT, {"i": {"residentId": resident["residentId"], "phone": "13912345678",
                                                   "reason": "resident called in"}})
    position = corrected["data"]["correctResidentDetails"]["position"]
    plain = await post(client, PHONE, {"id": resident["residentId"]})
    waited = await post(client, PHONE, {"id": resident["residentId"]}, minPosition=position)

    assert plain["data"]["resident"]["phone"] == "13800138000"  # the replica has not replayed it yet
    assert waited["data"]["resident"]["phone"] == "13912345678"  # minPosition waited for the replica
    again = await post(client, CORRECT, {"i": {"residentId": resident["residentId"], "phone": "13700000000",
                                               "reason": "called again"}})
    with pytest.raises(ConsistencyTimeoutError):
        await runtime.positions.wait_for(again["data"]["correctResidentDetails"]["position"], timeout=0.2)


def test_graphql_reads_go_through_the_read_pool() -> None:
    """Only the read-access log and a command's own lookups use the primary's pool from GraphQL."""
    found = set()
    for path in GRAPHQL.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Attribute) and node.attr == "pool" and "runtime" in ast.unparse(node):
                        found.add((str(path.relative_to(GRAPHQL)), function.name))
    assert found == WRITES_ON_PRIMARY
