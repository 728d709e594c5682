"""Browsers: CORS from a configured allow-list only, and GraphiQL served with every asset from the package."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from civicledger.graphql.ide import STATIC
from tests.conftest import CASEWORKER_HAIZHU, make_settings

ALLOWED = "https://portal.gz-civil.example"


@pytest_asyncio.fixture(scope="module")
async def cors_client(app_db: ConnectionParams, app: Any) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(make_settings(cors_origins=(ALLOWED,), environment="development"), params=app_db,
                             run_projections=False)
    async with (application.router.lifespan_context(application),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://x") as client):
        yield client


async def test_a_preflight_from_an_allowed_origin_is_answered(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options("/graphql", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-access-purpose"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_a_request_from_an_allowed_origin_may_read_the_correlation_id(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.post("/graphql", json={"query": "{ viewer { role } }"}, headers={
        "Origin": ALLOWED, "Authorization": f"Bearer {CASEWORKER_HAIZHU}"})

    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "x-correlation-id" in response.headers["access-control-expose-headers"].lower()


async def test_other_origins_get_no_cors_headers(cors_client: httpx.AsyncClient, http: httpx.AsyncClient) -> None:
    elsewhere = await cors_client.options("/graphql", headers={"Origin": "https://evil.example",
                                                                "Access-Control-Request-Method": "POST"})
    default = await http.post("/graphql", json={"query": "{ viewer { role } }"}, headers={
        "Origin": ALLOWED, "Authorization": f"Bearer {CASEWORKER_HAIZHU}"})

    assert "access-control-allow-origin" not in elsewhere.headers
    assert "access-control-allow-origin" not in default.headers  # CORS is off unless configured


async def test_graphiql_loads_every_asset_from_this_server(cors_client: httpx.AsyncClient) -> None:
    page = await cors_client.get("/graphql", headers={"Accept": "text/html"})

    assert page.status_code == 200 and 'id="token"' in page.text and "Authorization" in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/graphql/assets/") for u in urls), urls  # no CDN
    for url in urls:
        asset = await cors_client.get(url)
        assert asset.status_code == 200 and asset.content == (STATIC / url.rsplit("/", 1)[1]).read_bytes()
    assert not re.search(r"https?://", page.text)


def test_the_vendored_assets_are_documented_with_their_licences() -> None:
    readme = (STATIC / "README.md").read_text()

    for name in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"):
        assert name in readme and (STATIC / name).is_file()
    for licence in ("LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"):
        assert "MIT" in (STATIC / licence).read_text()
