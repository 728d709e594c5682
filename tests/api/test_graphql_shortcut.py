"""The app's shortcut for `/graphql` (`CivicLedgerApp.__call__`) answers exactly what Starlette's middleware and
router would: status, body and headers, for answers and for every kind of error, over every method."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.conftest import CASEWORKER_HAIZHU

AUTH = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}"}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("POST", {"json": {"query": "{ viewer { role district } }"}, "headers": AUTH}),
    ("POST", {"json": {"query": "{ viewer { role } }"}, "headers": {**AUTH, "Accept": "application/graphql-response+json"}}),
    ("POST", {"json": {"query": "{ nope }"}, "headers": AUTH}),
    ("POST", {"json": {"query": "{ viewer { role } }"}}),  # no token
    ("POST", {"content": b"not json", "headers": {**AUTH, "Content-Type": "application/json"}}),
    ("POST", {"content": b"{}", "headers": {**AUTH, "Content-Type": "text/plain"}}),
    ("GET", {"params": {"query": "{ viewer { role } }"}, "headers": AUTH}),
    ("GET", {"params": {"query": "mutation { __typename }"}, "headers": AUTH}),
    ("PUT", {"json": {"query": "{ viewer { role } }"}, "headers": AUTH}),
    ("POST", {"json": {"query": "{ viewer { role } }"}, "headers": {**AUTH, "Accept": "image/png"}}),
    ("POST", {"json": {"query": "{ viewer { role } }"}, "headers": {**AUTH, "X-Correlation-Id": "bad id;" * 40}}),
]


class ThroughStarlette:
    """The same app, entered the way any other route is: Starlette's middleware stack and router."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await Starlette.__call__(self.app, scope, receive, send)


def _comparable(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in ("x-correlation-id", "content-length")}
    body = response.json()
    for error in body.get("errors", ()):
        error.get("extensions", {}).pop("correlationId", None)
    return response.status_code, headers, body


@pytest.mark.parametrize(("method", "kwargs"), CASES)
async def test_the_shortcut_answers_what_the_router_answers(app: Any, method: str, kwargs: dict[str, Any]) -> None:
    answers = []
    for target in (app, ThroughStarlette(app)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=target), base_url="http://x") as client:
            answers.append(await client.request(method, "/graphql", **kwargs))
    shortcut, routed = answers

    assert _comparable(shortcut) == _comparable(routed)
    assert shortcut.headers["x-correlation-id"] and routed.headers["x-correlation-id"]


async def test_other_paths_still_take_the_router(http: httpx.AsyncClient) -> None:
    assert (await http.get("/livez")).status_code == 200
    assert (await http.post("/graphql/", json={"query": "{ __typename }"}, headers=AUTH)).status_code in (307, 404)
    assert (await http.get("/nowhere")).status_code == 404
