"""create_app(settings) -> Starlette: the API, with its runtime started and stopped by the lifespan."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from civicledger import console
from civicledger.core.clock import Clock
from civicledger.core.db import ConnectionParams, resolve_database
from civicledger.graphql import ide
from civicledger.graphql.access import raw_header
from civicledger.graphql.bounds import limit_statements
from civicledger.graphql.http import GraphQLHTTP
from civicledger.graphql.schema import build_schema
from civicledger.graphql.websocket import GraphQLWebSocket
from civicledger.metrics import Metrics
from civicledger.readiness import liveness, readiness
from civicledger.runtime import Runtime
from civicledger.settings import Settings
from civicledger.slice import ProgramSlice

# Headers a page on an allowed origin may send, and read back (CORS).
CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "Accept", "X-Access-Purpose", "X-Correlation-Id",
                        "X-Min-Position"]
CORS_RESPONSE_HEADERS = ["X-Correlation-Id", "X-Correlation-Id-Replaced"]


class CivicLedgerApp(Starlette):
    """The API's Starlette application, with one shortcut: a plain HTTP request for exactly `/graphql` (no
    `root_path`, no `Origin` header when CORS is configured) goes straight to the GraphQL endpoint, which
    answers every method and every error itself. Starlette's middleware stack and router (server-error and
    exception middleware, route matching) added ~15% to the CPU of a planned query for nothing: the endpoint
    catches its own exceptions and its route is an exact path. Everything else (WebSocket, the console,
    /readyz, a CORS request, `/graphql/`) takes the ordinary way, and the lifespan is Starlette's."""

    def __init__(self, *args: Any, graphql_http: GraphQLHTTP, cors: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._graphql_http = graphql_http
        self._cors = cors

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["path"] == "/graphql" and not scope.get("root_path")
                and not (self._cors and raw_header(scope, b"origin") is not None)):
            scope["app"] = self
            await self._graphql_http(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


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
    metrics = Metrics()
    http = GraphQLHTTP(schema, runtime_proxy, ide.graphiql_html() if settings.is_development else None,
                       cache_enabled=settings.response_cache, max_body_bytes=settings.max_body_bytes, metrics=metrics,
                       access_log=settings.access_log, query_budget=settings.query_budget,
                       query_budgets=settings.query_budgets)
    ws = GraphQLWebSocket(schema, runtime_proxy, allowed_origins=settings.cors_origins, access_log=settings.access_log,
                          query_budget=settings.query_budget, query_budgets=settings.query_budgets)
    ws.answer_planned = http.answer_planned  # queries over the WebSocket are planned like queries over HTTP
    ws.mutations = http.mutations  # and mutations too (one plan per document for both transports)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with contextlib.ExitStack() as stack:
            resolved = params or stack.enter_context(resolve_database(settings.database_url, settings.data_dir))
            runtime = Runtime(settings, resolved, clock=clock, programs=programs)
            # Every API process writes (commands, the read-access log): each runs a sealer for what it wrote.
            await runtime.start(run_projections=run_projections, run_processes=run_processes, run_sealer=True)
            # The API's statements are bounded; the projections' batches opt out (`SET LOCAL` in the runner).
            for pool in {id(runtime.pool): runtime.pool, id(runtime.read_pool): runtime.read_pool}.values():
                await limit_statements(pool, settings.statement_timeout_ms)
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
                metrics.close()
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

    async def prometheus(request: Request) -> Response:
        runtime = holder.get("runtime")
        if runtime is None:
            return PlainTextResponse("starting", status_code=503)
        return Response(await metrics.exposition(runtime), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/graphql", http),  # an ASGI app: answers every method itself (405 with a code)
        WebSocketRoute("/graphql", ws),
        Route("/health", health),
        Route("/livez", livez),
        Route("/readyz", readyz),
        Route("/metrics", prometheus),
        Route("/schema.graphql", sdl),
    ]
    routes += console.routes(settings)  # the caseworker console, a client of /graphql (civicledger/console)
    if settings.is_development:
        routes.append(Mount(ide.ASSETS_PATH, app=ide.assets(), name="graphiql-assets"))
    middleware = [Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                             allow_headers=CORS_REQUEST_HEADERS, expose_headers=CORS_RESPONSE_HEADERS,
                             max_age=600)] if settings.cors_origins else []
    app = CivicLedgerApp(routes=routes, middleware=middleware, lifespan=lifespan, graphql_http=http,
                         cors=bool(middleware))
    app.state.graphql_http = http
    app.state.metrics = metrics
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
