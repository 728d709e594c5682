"""The console's end-to-end tests: the real app (its own database, loaded with the demo's residents, social
assistance and three-society linkage) served by uvicorn on a free loopback port, driven by Debian's headless
Chromium through Playwright (`executable_path`; no browser download). A missing browser fails the run when
CIVICLEDGER_REQUIRE_BROWSER=1 (CI), and skips nothing otherwise either: it fails with the reason."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn

from civicledger import demo
from civicledger.app import create_app
from civicledger.core.db import ConnectionParams
from civicledger.programs import PROGRAMS
from tests.conftest import make_settings
from tests.dbutil import fresh_database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DEMO_PROGRAMS = ("residents", "assistance", "linkage")
DEMO_RESIDENTS = 60


def chromium_path(candidates: tuple[str | None, ...] | None = None) -> str:
    """Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`), or CIVICLEDGER_CHROMIUM. None found is
    an error — the browser tests fail, they are never skipped (CI sets CIVICLEDGER_REQUIRE_BROWSER=1 to say so)."""
    if candidates is None:
        candidates = (os.environ.get("CIVICLEDGER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    required = " (CIVICLEDGER_REQUIRE_BROWSER=1)" if os.environ.get("CIVICLEDGER_REQUIRE_BROWSER") == "1" else ""
    raise RuntimeError(f"no Chromium found{required}: apt-get install -y chromium fonts-wqy-microhei (the console's "
                       "end-to-end tests need a real browser; CIVICLEDGER_CHROMIUM names another binary)")


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[int]:
    """Serve `app` (its lifespan already running) as `civicledger serve` does, on a port the OS picked and that
    stays bound from the start (other test runs share this machine); yields the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", http="httptools",
                                           ws="websockets-sansio", timeout_graceful_shutdown=5))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="package")
def console_db() -> Iterator[ConnectionParams]:
    with fresh_database("civicledger_console") as params:
        yield params


@pytest_asyncio.fixture(scope="package")
async def console_app(console_db: ConnectionParams) -> AsyncIterator[Any]:
    settings = make_settings(environment="development")
    application = create_app(settings, params=console_db, run_projections=True, run_processes=False)
    async with application.router.lifespan_context(application):
        runtime = application.state.runtime
        programs = [p for p in PROGRAMS if p.name in DEMO_PROGRAMS]
        await asyncio.to_thread(demo.load, runtime.services, DEMO_RESIDENTS, threads=2, programs=programs)
        yield application


@pytest_asyncio.fixture(scope="package")
async def console_url(console_app: Any) -> AsyncIterator[str]:
    async with serving(console_app) as port:
        base = f"http://127.0.0.1:{port}"
        # Every read model has caught up with the demo before a page is opened.
        runtime = console_app.state.runtime
        horizon = await runtime.runner.log_horizon()
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(600):
                if min(runtime.runner.positions.get(p.name, 0) for p in runtime.projections) >= horizon:
                    break
                await asyncio.sleep(0.1)
            assert (await client.get("/livez")).status_code == 200
        yield base


@pytest_asyncio.fixture(scope="package")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    path = chromium_path()
    async with async_playwright() as p:
        instance = await p.chromium.launch(executable_path=path, headless=True,
                                           args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield instance
        await instance.close()


@pytest_asyncio.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                    timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(15_000)
    yield ctx
    await ctx.close()


def shot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
