"""create_app(settings) -> Starlette: the API, with its runtime started and stopped by the lifespan."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.http.ides import get_graphql_ide_html

from civicledger.core.clock import Clock
from civicledger.core.db import ConnectionParams, resolve_database
from civicledger.graphql.http import GraphQLHTTP
from civicledger.graphql.schema import build_schema
from civicledger.graphql.websocket import GraphQLWebSocket
from civicledger.readiness import liveness, readiness
from civicledger.runtime import Runtime
from civicledger.settings import Settings
from civicledger.slice import ProgramSlice


def create_app(settings: Settings, *, params: ConnectionParams | None = None, run_projections: bool = True,
               clock: Clock | None = None, programs: Sequence[ProgramSlice] | None = None,
               run_processes: bool = True) -> Starlette:
    """The API over these programs (default: every program in `civicledger.programs.PROGRAMS`)."""
    schema = build_schema(settings, programs)
    holder: dict[str, Any] = {}

    class _Deferred:
        """Routes exist before the runtime starts; they reach it through the lifespan's holder."""

        def __getattr__(self, name: str) -> Any:
            return getattr(holder["runtime"], name)

    runtime_proxy: Any = _Deferred()
    http = GraphQLHTTP(schema, runtime_proxy, get_graphql_ide_html() if settings.is_development else None,
                       cache_enabled=settings.response_cache)
    ws = GraphQLWebSocket(schema, runtime_proxy)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with contextlib.ExitStack() as stack:
            resolved = params or stack.enter_context(resolve_database(settings.database_url, settings.data_dir))
            runtime = Runtime(settings, resolved, clock=clock, programs=programs)
            # Every API process writes (commands, the read-access log): each runs a sealer for what it wrote.
            await runtime.start(run_projections=run_projections, run_processes=run_processes, run_sealer=True)
            holder["runtime"] = runtime
            app.state.runtime = runtime
            # Everything built so far (schema, compiled plans, pools) lives as long as the process: keep it out
            # of the collector's way, and collect young objects less often, so a full collection over the
            # whole heap does not stall requests (it showed as a long p99 tail under load).
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 50, 100)
            try:
                yield
            finally:
                await runtime.close()

    async def health(request: Request) -> JSONResponse:
        """The older name of /readyz (same checks and status code), with its original keys kept."""
        runtime = holder.get("runtime")
        ready, body = await readiness(runtime)
        stopped = body["checks"].get("projections", {}).get("stopped", {})
        return JSONResponse({**body, "status": "ok" if ready else body["status"],
                             "projections": dict(runtime.positions.positions) if runtime else {}, "errors": stopped},
                            status_code=200 if ready else 503)

    async def livez(request: Request) -> JSONResponse:
        return JSONResponse(liveness())

    async def readyz(request: Request) -> JSONResponse:
        ready, body = await readiness(holder.get("runtime"))
        return JSONResponse(body, status_code=200 if ready else 503)

    async def sdl(request: Request) -> PlainTextResponse:
        return PlainTextResponse(schema.as_str())

    app = Starlette(
        routes=[
            Route("/graphql", http.handle, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", ws),
            Route("/health", health),
            Route("/livez", livez),
            Route("/readyz", readyz),
            Route("/schema.graphql", sdl),
        ],
        lifespan=lifespan,
    )
    app.state.graphql_http = http
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` / multi-worker serving: settings and database from the environment;
    projections run elsewhere (`civicledger worker`) unless CIVICLEDGER_RUN_PROJECTIONS=1."""
    import os

    settings = Settings.from_env()
    if not settings.database_url:
        raise RuntimeError("app_from_env needs DATABASE_URL (the CLI sets it for its workers)")
    return create_app(settings, params=ConnectionParams.from_url(settings.database_url),
                      run_projections=os.environ.get("CIVICLEDGER_RUN_PROJECTIONS") == "1")
