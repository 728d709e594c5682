"""The cost model (graphql/cost.py): a document within the depth, alias and token limits that would still ask for
millions of rows is refused before anything runs, over HTTP and over WebSocket; an ordinary page is not."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import websockets

from civicledger.graphql.cost import LIST_FANOUT, CostModel
from civicledger.graphql.documents import Documents
from civicledger.graphql.schema import build_schema
from civicledger.settings import Settings
from tests.api.test_subscriptions import next_message, server_url  # noqa: F401 - the module's server fixture
from tests.conftest import CASEWORKER_HAIZHU, error_codes, token

MODERN = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}", "Accept": "application/graphql-response+json"}

PAGE = "{ residents(first: 20) { edges { node { name household { id } } } } }"
# The request: 30 aliases × 100 residents × household × members × 200 timeline entries.
MEMBER_TIMELINES = ("r{n}: residents(first: 100) { edges { node { household { members { resident { "
                    "timeline(first: 200) { edges { node { kind } } } } } } } } }")
HUGE = "{ " + " ".join(MEMBER_TIMELINES.replace("{n}", str(n)) for n in range(30)) + " }"


@pytest.fixture(scope="module")
def model() -> tuple[Documents, CostModel]:
    schema = build_schema(Settings())
    return Documents(schema), CostModel(schema._schema, budget=25_000)


def estimate(model: tuple[Documents, CostModel], query: str, variables: dict[str, object] | None = None) -> int:
    documents, cost = model
    return cost.estimate(documents.prepare(query, None, None, "POST"), variables)


def test_the_estimate_multiplies_pages_and_lists(model: tuple[Documents, CostModel]) -> None:
    # residents: 1 + 20 × (edges: 1 + 1 × (node: 1 + (name 1 + household (1 + id 1))))
    assert estimate(model, PAGE) == 1 + 20 * (1 + (1 + 1 + (1 + 1)))
    assert estimate(model, "query($n: Int) { residents(first: $n) { edges { node { name } } } }", {"n": 100}) \
        == 1 + 100 * (1 + (1 + 1))
    # an argument left out costs its declared default (residents: 20)
    assert estimate(model, "{ residents { edges { node { name } } } }") == 1 + 20 * 3
    # a fragment costs what it selects
    assert estimate(model, "{ residents(first: 5) { ...R } } fragment R on ResidentConnection "
                           "{ edges { node { name } } }") == 1 + 5 * 3
    assert estimate(model, HUGE) > 30 * 100 * LIST_FANOUT * 200


def test_an_estimate_is_remembered_per_document_and_page_size(model: tuple[Documents, CostModel]) -> None:
    """The walk runs once per document and page-size values: each value gets its own estimate, in any order,
    and a value of another type (true is not 1) is never taken for a remembered one."""
    query = "query($n: Int, $m: Int) { residents(first: $n) { edges { node { timeline(first: $m) { edges { node " \
            "{ kind } } } } } } }"
    figures = [(n, m, estimate(model, query, {"n": n, "m": m})) for n, m in
               [(100, 200), (5, 1), (100, 200), (5, 200), (True, 1), (1, 1), (None, None)]]
    for n, m, cost in figures:
        # left out: the argument's default (residents 20, timeline 50); not an int: DEFAULT_PAGE (20)
        pages = [default if v is None else 20 if isinstance(v, bool) else v for v, default in ((n, 20), (m, 50))]
        assert cost == 1 + pages[0] * (1 + (1 + (1 + pages[1] * (1 + (1 + 1))))), (n, m, cost)
    assert estimate(model, query, {"n": 100, "m": 200, "unused": {"x": 1}}) == figures[0][2]


async def test_an_ordinary_page_runs_and_a_huge_fan_out_is_refused_before_it_runs(http: httpx.AsyncClient) -> None:
    ok = await http.post("/graphql", json={"query": PAGE}, headers=MODERN)
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text

    refused = await http.post("/graphql", json={"query": HUGE}, headers=MODERN)

    assert refused.status_code == 400
    body = refused.json()
    assert error_codes(body) == ["QUERY_TOO_COSTLY"] and "data" not in body
    extensions = body["errors"][0]["extensions"]
    assert extensions["budget"] == 25_000 and extensions["cost"] > 6_000_000


async def test_a_variable_page_size_counts_too(http: httpx.AsyncClient) -> None:
    query = ("query($n: Int) { a: residents(first: $n) { edges { node { timeline(first: $n) { edges { node "
             "{ kind } } } } } } }")

    small = await http.post("/graphql", json={"query": query, "variables": {"n": 10}}, headers=MODERN)
    large = await http.post("/graphql", json={"query": query, "variables": {"n": 200}}, headers=MODERN)

    assert small.status_code == 200 and "errors" not in small.json(), small.text
    assert error_codes(large.json()) == ["QUERY_TOO_COSTLY"]


def test_the_budget_is_per_role() -> None:
    schema = build_schema(Settings())
    documents = Documents(schema)
    cost = CostModel(schema._schema, budget=1_000, budgets={"inspector": 10_000_000})
    prepared = documents.prepare(HUGE.replace("first: 200", "first: 1"), None, None, "POST")

    assert cost.check(prepared, None, "inspector") > 1_000
    with pytest.raises(Exception) as refused:
        cost.check(prepared, None, "caseworker")
    assert getattr(refused.value, "code", None) == "QUERY_TOO_COSTLY"


async def test_the_same_budget_holds_over_a_websocket(server_url: str) -> None:  # noqa: F811
    bearer = token("caseworker", district="HAIZHU", office="HAIZHU-JIANGHAI-STATION",
                   subject=f"cw-cost-{uuid.uuid4().hex[:8]}")
    async with websockets.connect(server_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}}))
        assert (await next_message(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": HUGE}}))
        reply = await next_message(ws)

    assert reply["type"] == "error", reply
    assert reply["payload"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


def test_budgets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from civicledger.environment import ConfigurationError

    monkeypatch.setenv("CIVICLEDGER_QUERY_BUDGET", "500")
    monkeypatch.setenv("CIVICLEDGER_QUERY_BUDGETS", "inspector=90000, admin=70000")
    settings = Settings.from_env()
    assert (settings.query_budget, settings.query_budgets) == (500, {"inspector": 90_000, "admin": 70_000})

    monkeypatch.setenv("CIVICLEDGER_QUERY_BUDGETS", "inspector=lots")
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env()
    assert "CIVICLEDGER_QUERY_BUDGETS" in str(refused.value.problems)
