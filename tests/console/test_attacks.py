"""Attacks on the console (red team): the development role picker mints tokens for anyone who asks — an admin's,
an inspector's — so it must exist only where it is meant to: an environment that says `development`, asked
from this machine. An operator who names the environment `staging`, `prod` or `Production`, or a caller from
another host, gets no token. The shell carries no token and nothing personal."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from civicledger.console import render_shell, routes
from tests.conftest import make_settings


def client_of(environment: str, host: str = "127.0.0.1") -> httpx.AsyncClient:
    app = Starlette(routes=routes(make_settings(environment=environment)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://console")


@pytest.mark.parametrize("environment", ["staging", "prod", "Production", "test", "bench", ""])
async def test_no_development_token_outside_an_environment_named_development(environment: str) -> None:
    async with client_of(environment) as client:
        minted = await client.post("/console/dev-token", json={"label": "admin"})

    assert minted.status_code in (404, 405) and "token" not in minted.text


@pytest.mark.parametrize("host", ["203.0.113.7", "10.0.0.2", "2001:db8::1"])
async def test_no_development_token_for_a_caller_from_another_host(host: str) -> None:
    async with client_of("development", host) as client:
        minted = await client.post("/console/dev-token", json={"label": "admin"})

    assert minted.status_code == 404 and "token" not in minted.json()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
async def test_a_development_token_on_this_machine(host: str) -> None:
    async with client_of("development", host) as client:
        minted = await client.post("/console/dev-token", json={"label": "inspector"})

    assert minted.status_code == 200 and minted.json()["token"].count(".") == 2


def test_the_production_shell_carries_no_token_and_no_principals() -> None:
    page = render_shell(make_settings(environment="production"), "zh")

    assert '"principals": []' in page and "eyJ" not in page and "dev-token" not in page
