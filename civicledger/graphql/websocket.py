"""GraphQL over WebSocket (graphql-transport-ws) on strawberry's own view and protocol handler, authenticated by
the bearer token in `connection_init`.

The same contract as HTTP (http.py): each operation gets a request context of its own (a correlation id, fresh
DataLoaders, its own personal-data reads), its document is prepared and its variables coerced the same way
(`documents.py`), errors carry the same codes, every message that reveals personal fields writes its reads to
`personal_data_reads` before it is sent (`access.log_reads` — one read-access log for every transport), and each
operation ends with one access line. Queries and mutations take the HTTP endpoint's plans when the app wires them
in (`answer_planned`, `mutations`): one plan per document for both transports. The access purpose and a
correlation id may be given in `connection_init`'s payload (`X-Access-Purpose`, `X-Correlation-Id`) or as
handshake headers."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from civicledger.core.auth import Principal, Role, verify_token
from civicledger.core.errors import CivicError, UnauthenticatedError
from civicledger.graphql.access import Exchange, access_purpose, correlation_id, log_reads
from civicledger.graphql.context import Context
from civicledger.graphql.cost import DEFAULT_BUDGET, CostModel
from civicledger.graphql.documents import Documents
from civicledger.graphql.errors import (
    error_codes,
    format_error,
    log_unexpected,
    refused_before_execution,
    statement_timeout_error,
)
from civicledger.graphql.mutation_plan import MutationPlans
from civicledger.graphql.wire import RequestError, encode

ANONYMOUS = Principal(subject="anonymous", role=Role.INTEGRATOR, scopes=frozenset())
_OPERATION_ID = re.compile(r"[^A-Za-z0-9._:-]")


class _Handler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's protocol handler, with a context, a read log and an access line per operation."""

    view: GraphQLWebSocket

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        ctx, exchange = self.view.operation_context(self.context, operation)
        try:
            prepared = self.view.documents.prepare(operation.query, None, operation.operation_name, "WS")
            ctx.operation_name = exchange.operation_name = prepared.operation_name
            exchange.operation_type, ctx.document = prepared.operation_type, prepared
            ctx.variables = self.view.documents.coerce_variables(prepared, operation.variables)
            self.view.cost.check(prepared, operation.variables, ctx.principal.role.value)
            if prepared.operation_type == "query" and await self._planned(operation, ctx, exchange):
                return
            if prepared.operation_type == "mutation" and await self._planned_mutation(operation, ctx, exchange):
                return
            exchange.answered_by = "executor"
            source = await self.schema.stream(operation.query, variable_values=operation.variables, context_value=ctx,
                                              root_value=self.root_value, operation_name=operation.operation_name)
            async with aclosing(source):
                async for result in source:
                    if isinstance(result, PreExecutionError) or not isinstance(result, ExecutionResult):
                        await self._send_errors(operation, exchange, list(getattr(result, "errors", None) or []))
                        return
                    await log_reads(ctx)  # before the message leaves
                    await operation.send_operation_message(
                        {"id": operation.id, "type": "next", "payload": self.view.payload(result, exchange)})
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
            exchange.status = "complete"
        except RequestError as exc:
            exchange.status, exchange.codes = "error", exc.codes
            await operation.send_operation_message({"id": operation.id, "type": "error", "payload": exc.errors})
        except CivicError as exc:
            exchange.status, exchange.codes = "error", [exc.code]
            await operation.send_operation_message({"id": operation.id, "type": "error", "payload": [
                {"message": exc.message, "extensions": exc.extensions()}]})
        except _OperationStreamClosed:
            exchange.status = "closed"
        except asyncio.CancelledError:
            exchange.status = "cancelled"  # the client completed it, or left
            raise
        except Exception as exc:
            exchange.status, exchange.codes = "error", ["INTERNAL_SERVER_ERROR"]
            log_unexpected(exc, correlation_id=exchange.correlation_id, operation=exchange.operation_name)
            self.operations.pop(operation.id, None)
            raise
        finally:
            if self.view.access_log:
                exchange.log()

    async def _planned(self, operation: Operation[Context, None], ctx: Context, exchange: Exchange) -> bool:
        """A query answered by the same planner as over HTTP (`GraphQLHTTP.answer_planned`: the plan cache and
        the response cache), as one `next` and `complete`; False to let the executor answer."""
        answer = self.view.answer_planned
        if answer is None:
            return False
        body = {"operationName": operation.operation_name, "variables": operation.variables}
        try:
            content = await answer(operation.query, None, body, ctx)
        except asyncpg.QueryCanceledError:
            exchange.codes = ["STATEMENT_TIMEOUT"]
            content = encode({"data": None, "errors": [statement_timeout_error()]})
        if content is None:
            return False
        exchange.answered_by = "compiled"
        await log_reads(ctx)  # before the message leaves
        payload = orjson.Fragment(content)
        await operation.send_operation_message({"id": operation.id, "type": "next", "payload": payload})
        await operation.send_operation_message({"id": operation.id, "type": "complete"})
        exchange.status = "complete"
        return True

    async def _planned_mutation(self, operation: Operation[Context, None], ctx: Context, exchange: Exchange) -> bool:
        """A mutation run by the same plan as over HTTP (`MutationPlans`: the executor's answer, planned once per
        document), as one `next` and `complete`; False (nothing has run) to let the executor answer."""
        plans = self.view.mutations
        if plans is None:
            return False
        result = await plans.execute(ctx.document, ctx, operation.variables)
        if result is None:
            return False
        exchange.answered_by = "planned"
        if refused_before_execution(result.data, result.errors):
            # Refused before any field ran (the input guard): an `error` message, as the executor's is.
            await self._send_errors(operation, exchange, list(result.errors))
            return True
        await log_reads(ctx)  # before the message leaves
        await operation.send_operation_message(
            {"id": operation.id, "type": "next", "payload": self.view.payload(result, exchange)})
        await operation.send_operation_message({"id": operation.id, "type": "complete"})
        exchange.status = "complete"
        return True

    async def _send_errors(self, operation: Operation[Context, None], exchange: Exchange, errors: list[Any]) -> None:
        payload = [format_error(e, correlation_id=exchange.correlation_id, production=self.view.production,
                                operation=exchange.operation_name) for e in errors]
        exchange.status, exchange.codes = "error", error_codes(payload)
        await operation.send_operation_message({"id": operation.id, "type": "error", "payload": payload})


class GraphQLWebSocket(GraphQL):  # type: ignore[type-arg]
    graphql_transport_ws_handler_class = _Handler

    def __init__(self, schema: Any, runtime: Any, *, allowed_origins: tuple[str, ...] = (),
                 access_log: bool = True, query_budget: int = DEFAULT_BUDGET,
                 query_budgets: dict[str, int] | None = None) -> None:
        super().__init__(schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         allowed_origins=allowed_origins)
        self.runtime = runtime
        self.access_log = access_log
        self.documents = Documents(schema)
        self.cost = CostModel(schema._schema, budget=query_budget, budgets=query_budgets)
        # The HTTP endpoint's planned answers (`GraphQLHTTP.answer_planned`), when the app wires them in.
        self.answer_planned: Callable[[str, str | None, dict[str, Any], Context], Awaitable[bytes | None]] | None = None
        # The HTTP endpoint's mutation plans (`GraphQLHTTP.mutations`), when the app wires them in.
        self.mutations: MutationPlans | None = None

    @property
    def production(self) -> bool:
        return not self.runtime.settings.is_development

    def encode_json(self, data: object) -> bytes:
        return encode(data)

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
            context.principal = verify_token(self.runtime.settings.jwt_secret, str(token))
            headers = context.request.headers if context.request is not None else {}
            purpose = params.get("X-Access-Purpose") or headers.get("x-access-purpose")
            context.purpose = access_purpose(purpose if isinstance(purpose, str) else None)
        except (UnauthenticatedError, CivicError):
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"}) from None
        sent = params.get("X-Correlation-Id") or (context.request.headers.get("x-correlation-id")
                                                  if context.request is not None else None)
        context.correlation_id = correlation_id(sent if isinstance(sent, str) else None)[0]
        client = context.request.client if context.request is not None else None
        context.origin = f"graphql-ws:{client.host if client else '-'}"
        return None

    def operation_context(self, connection: Context, operation: Operation[Context, None]) -> tuple[Context, Exchange]:
        op_id = _OPERATION_ID.sub("", str(operation.id))[:32]
        ctx = Context(runtime=self.runtime, principal=connection.principal, purpose=connection.purpose,
                      origin=connection.origin, request=connection.request,
                      correlation_id=f"{connection.correlation_id}/{op_id}"[:128])
        exchange = Exchange("ws", "subscribe", ctx.correlation_id, principal=ctx.principal.subject,
                            role=ctx.principal.role.value)
        return ctx, exchange

    def payload(self, result: ExecutionResult, exchange: Exchange) -> dict[str, Any]:
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [format_error(e, correlation_id=exchange.correlation_id, production=self.production,
                                              operation=exchange.operation_name) for e in result.errors]
            exchange.codes.extend(error_codes(payload["errors"]))
        return payload
