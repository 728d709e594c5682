"""Subscriptions over graphql-transport-ws, authenticated by the bearer token in `connection_init`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from civicledger.core.auth import Principal, Role, verify_token
from civicledger.core.errors import UnauthenticatedError
from civicledger.graphql.context import Context

ANONYMOUS = Principal(subject="anonymous", role=Role.INTEGRATOR, scopes=frozenset())


class GraphQLWebSocket(GraphQL):  # type: ignore[type-arg]
    def __init__(self, schema: Any, runtime: Any) -> None:
        super().__init__(schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,))
        self.runtime = runtime

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:  # type: ignore[override]
        ctx = Context(runtime=self.runtime, principal=ANONYMOUS, request=request, origin="graphql-ws")
        ctx.connection_params = {}  # type: ignore[attr-defined]
        return ctx

    async def on_ws_connect(self, context: Context) -> Any:  # type: ignore[override]
        params = getattr(context, "connection_params", {}) or {}
        raw = params.get("Authorization") or params.get("authorization") or params.get("token") or ""
        raw = raw if isinstance(raw, str) else ""  # connection params are the client's JSON: anything at all
        token = raw.split(" ", 1)[1] if raw.lower().startswith("bearer ") else raw
        try:
            context.principal = verify_token(self.runtime.settings.jwt_secret, token)
        except UnauthenticatedError:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from None
        return None
