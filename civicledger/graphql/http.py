"""GraphQL over HTTP (the GraphQL-over-HTTP specification) on strawberry's own view.

`strawberry.asgi.GraphQL` (its `AsyncBaseHTTPView.run`) drives each request: GET parameters and JSON bodies
are read its way (`query` a string, `variables`/`extensions` objects, batches refused), and `Schema.execute`
is told which operation types the HTTP method allows. What it lacks, this view adds through the view's own
hooks:

- `application/graphql-response+json` when the client accepts it: request errors answer 4xx (a mutation
  over GET 405); `application/json` clients get GraphQL request errors with 200. Every error has a stable
  `extensions.code` — strawberry's own request errors are plain text, ours are JSON (`wire.py`).
- The document is prepared before anything runs (`documents.py`): the operation and its type come from the
  parsed document, variables are coerced with their name and path in the error.
- Bearer JWT required; a missing or forged token is `UNAUTHENTICATED` (401, saying where the token goes).
- `extensions.minPosition` (or header `X-Min-Position`) waits until the read models reach that position.
- Automatic persisted queries: `extensions.persistedQuery.sha256Hash` with or without the query text.
- HOOK: `_compiled` — an answer planned ahead of the executor (planner/) is tried first (see its docstring).
- Personal-data reads are written to the access log before the response leaves (`access.py`), one JSON
  access line per request, a correlation id on every response, and the transport's bounds (`bounds.py`)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from civicledger.core.ascii import BIGINT_MAX, ascii_int
from civicledger.core.auth import Principal, verify_token
from civicledger.core.errors import CivicError, DatabaseUnavailableError, UnauthenticatedError
from civicledger.core.failover import is_connection_error
from civicledger.core.text import stated_purpose
from civicledger.graphql.access import Exchange, access_purpose, correlation_id, log_reads, raw_header
from civicledger.graphql.bounds import ClientGone, cancel_on_disconnect, check_url, read_body, replay
from civicledger.graphql.caches import PersistedQueries, ResponseCache
from civicledger.graphql.context import Context
from civicledger.graphql.cost import DEFAULT_BUDGET, CostModel
from civicledger.graphql.documents import Documents
from civicledger.graphql.errors import (
    INTERNAL,
    error_codes,
    format_error,
    log_unexpected,
    refused_before_execution,
    statement_timeout_error,
)
from civicledger.graphql.mutation_plan import MutationPlans
from civicledger.graphql.planner import PlannedOperation, plan_operation
from civicledger.graphql.wire import GRAPHQL_RESPONSE, JSON, RequestError, encode, negotiate

TOKEN_HINT = ("send the header `Authorization: Bearer <token>` (tokens: `civicledger token --role ...`, or the "
              "ones `civicledger demo` prints; in GraphiQL paste it into the Token field at the top)")


def authenticate(request: Request, secret: str) -> Principal:
    header = _text(raw_header(request.scope, b"authorization")) or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError(f"a bearer token is required: {TOKEN_HINT}")
    return verify_token(secret, token.strip())


@dataclass
class RequestData(GraphQLRequestData):
    digest: str | None = None  # sha256 of the query text when it came as a persisted query


class Answered(ExecutionResult):
    """The response bytes of the hook before the executor."""

    def __init__(self, content: bytes) -> None:
        super().__init__(data=None, errors=None)
        self.content = content


class GraphQLHTTP(GraphQL):  # type: ignore[type-arg]
    """The GET/POST /graphql endpoint."""

    def __init__(self, schema: Any, runtime: Any, ide_html: str | None, *, cache_enabled: bool = True,
                 max_body_bytes: int = 1 << 20, metrics: Any = None, access_log: bool = True,
                 query_budget: int = DEFAULT_BUDGET, query_budgets: dict[str, int] | None = None) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=True, subscription_protocols=())
        self.runtime = runtime
        self.ide_html = ide_html
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics
        self.access_log = access_log
        self.documents = Documents(schema)
        self.cost = CostModel(schema._schema, budget=query_budget, budgets=query_budgets)
        self.persisted = PersistedQueries()
        self.compiled: OrderedDict[tuple[str, str | None], PlannedOperation | None] = OrderedDict()  # plans
        self.compile = True
        self.mutations = MutationPlans(schema)
        self.cache = ResponseCache(enabled=cache_enabled)
        self.stats = {"compiled": 0, "generic": 0}

    # -- ASGI: the transport around strawberry's run --------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        sent, replaced = correlation_id(_text(raw_header(scope, b"x-correlation-id")))
        exchange = Exchange("http", scope.get("method", "GET"), sent, replaced)
        response = await self._respond(scope, receive, exchange)
        if response is not None:
            exchange.status = response.status_code
            # Starlette's `Response.__call__`, with the exchange's headers added to the list it made
            headers = response.raw_headers + [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                              for k, v in exchange.headers().items()]
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": response.body})
        else:
            exchange.status = 499  # the client closed the connection first
        if self.access_log:
            exchange.log()
        if self.metrics is not None:
            self.metrics.observe_request(exchange)

    async def _respond(self, scope: Any, receive: Any, exchange: Exchange) -> Response | None:
        accept = _text(raw_header(scope, b"accept")) or ""
        method = exchange.method
        if method == "GET" and self.ide_html and "text/html" in accept and b"query=" not in scope.get("query_string"):
            return HTMLResponse(self.ide_html)
        media = negotiate(accept or None)
        if media is None:
            return self._errors(406, [{"message": f"not acceptable: use application/json or {GRAPHQL_RESPONSE}",
                                       "extensions": {"code": "NOT_ACCEPTABLE"}}], JSON, exchange)
        exchange.media = media
        try:
            if method not in ("GET", "POST"):
                raise RequestError(405, "GraphQL accepts GET and POST", "METHOD_NOT_ALLOWED", {"Allow": "GET, POST"})
            check_url(scope, self.max_body_bytes)
            body = await read_body(scope, receive, self.max_body_bytes) if method == "POST" else b""
            scope.setdefault("state", {})["exchange"] = exchange  # for strawberry's own run(): request.state
            request = Request(scope, receive=replay(body))
            return await cancel_on_disconnect(self._run(request, exchange, body), receive, body_read=method == "POST")
        except ClientGone:
            return None
        except RequestError as exc:
            return self._errors(exc.status_for(media), exc.errors, media, exchange, exc.headers)
        except UnauthenticatedError as exc:
            return self._errors(401, [{"message": exc.message, "extensions": exc.extensions()}], media, exchange,
                                {"WWW-Authenticate": 'Bearer realm="civicledger"'})
        except CivicError as exc:
            status = 200 if media == JSON else 400
            return self._errors(status, [{"message": exc.message, "extensions": exc.extensions()}], media, exchange)
        except HTTPException as exc:
            code = {405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}.get(exc.status_code, "BAD_REQUEST")
            return self._errors(exc.status_code, [{"message": exc.reason, "extensions": {"code": code}}], media,
                                exchange)
        except Exception as exc:
            if is_connection_error(exc):  # a failover under way (planned reads use the pool): typed, retryable
                self.runtime.connection_lost()
                lost = DatabaseUnavailableError()
                return self._errors(503, [{"message": lost.message, "extensions": lost.extensions()}], media,
                                    exchange, {"Retry-After": "1"})
            # a bug: logged once, masked in production
            log_unexpected(exc, correlation_id=exchange.correlation_id, operation=exchange.operation_name)
            message = "internal server error" if not self.runtime.settings.is_development else repr(exc)
            return self._errors(500, [{"message": message, "extensions": {
                "code": INTERNAL, "correlationId": exchange.correlation_id}}], media, exchange)

    async def _run(self, request: Request, exchange: Exchange, body: bytes) -> Response:
        """strawberry's `AsyncBaseHTTPView.run`, step for step through the same hooks, for a plain (non-batched,
        non-streamed, non-multipart) GraphQL request: its generic run adds ~40 µs per request on the compiled
        path (runtime Protocol checks, MIME parsing), a third of a cached answer's cost. `run` itself still
        works (and gives the same answers)."""
        adapter = self.request_adapter_class(request)
        context = await self.get_context(request, exchange)
        if request.method == "POST":  # the body was read already (`_respond`): parsed here without the adapter
            request_data = self._post_data(_text(raw_header(request.scope, b"content-type")), body)
        else:
            request_data = await self.parse_http_body(adapter)
        result = await self.execute_single(request, adapter, exchange, context, None, request_data)
        return self.create_response(await self._payload(result, exchange, context), exchange)

    @staticmethod
    def _errors(status: int, errors: list[dict[str, Any]], media: str, exchange: Exchange,
                headers: dict[str, str] | None = None) -> Response:
        exchange.codes = error_codes(errors)
        return Response(encode({"errors": errors}), status_code=status, media_type=media, headers=headers)

    # -- strawberry's hooks ---------------------------------------------------------------------------------

    async def get_sub_response(self, request: Request) -> Exchange:  # type: ignore[override]
        return request.state.exchange  # type: ignore[no-any-return]

    async def get_context(self, request: Request, response: Exchange) -> Context:  # type: ignore[override]
        principal = authenticate(request, self.runtime.settings.jwt_secret)
        response.principal, response.role = principal.subject, principal.role.value
        ctx = Context(
            runtime=self.runtime, principal=principal, correlation_id=response.correlation_id,
            purpose=stated_purpose(access_purpose(raw_header(request.scope, b"x-access-purpose"))),
            origin=f"graphql:{client[0] if (client := request.scope.get('client')) else '-'}", request=request,
        )
        request.scope.setdefault("state", {})["context"] = ctx  # for strawberry's own run()
        return ctx

    def should_render_graphql_ide(self, request: Any) -> bool:
        return False  # served before authentication, in __call__

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return encode(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = self.decode_json(data)
        except orjson.JSONDecodeError:
            raise RequestError(400, "the request body (or a JSON parameter) is not valid JSON", "BAD_REQUEST") from None
        if not isinstance(value, dict):
            raise RequestError(400, "the request body (and `variables`, `extensions`) must be JSON objects",
                               "BAD_REQUEST")
        return value

    async def parse_http_body(self, request: Any) -> RequestData:  # type: ignore[override]
        if request.method == "POST":
            return self._post_data(request.content_type, await request.get_body())
        parsed = await super().parse_http_body(request)
        assert isinstance(parsed, GraphQLRequestData)  # batches are refused by strawberry's parser
        return self._request_data(parsed)

    def _post_data(self, content_type: str | None, raw: bytes) -> RequestData:
        """A POST body: strawberry's checks, without its MIME parsing (only JSON is taken)."""
        if (content_type or "").split(";")[0].strip().lower() != JSON:
            raise RequestError(415, "POST bodies must be application/json", "UNSUPPORTED_MEDIA_TYPE")
        body = self.parse_json(raw)
        data = GraphQLRequestData(query=body.get("query"), variables=body.get("variables"),
                                  operation_name=body.get("operationName"), extensions=body.get("extensions"))
        for name, value, kind in (("query", data.query, str), ("variables", data.variables, dict),
                                  ("extensions", data.extensions, dict)):
            if value is not None and not isinstance(value, kind):
                raise RequestError(400, f"`{name}` must be {'a string' if kind is str else 'an object'} or "
                                        "null", "BAD_REQUEST")
        return self._request_data(data)

    def _request_data(self, data: GraphQLRequestData) -> RequestData:
        query, digest = self.persisted.resolve(data.query, data.extensions)
        return RequestData(query=query, variables=data.variables, operation_name=data.operation_name,
                           extensions=data.extensions, digest=digest)

    async def execute_single(self, request: Request, request_adapter: Any, sub_response: Exchange, context: Context,
                             root_value: Any, request_data: RequestData) -> ExecutionResult:  # type: ignore[override]
        exchange, method = sub_response, request_adapter.method
        query = request_data.query or ""
        prepared = self.documents.prepare(query, request_data.digest, request_data.operation_name, method)
        context.operation_name = exchange.operation_name = prepared.operation_name
        exchange.operation_type = prepared.operation_type
        context.document = prepared
        context.variables = self.documents.coerce_variables(prepared, request_data.variables)
        self.cost.check(prepared, request_data.variables, context.principal.role.value)
        await self._wait_for_position(request_data.extensions, request)
        if prepared.operation_type == "query":
            body = {"operationName": request_data.operation_name, "variables": request_data.variables}
            try:
                content = await self._compiled(query, request_data.digest, body, context)
            except asyncpg.QueryCanceledError:
                exchange.answered_by, exchange.codes = "compiled", ["STATEMENT_TIMEOUT"]
                return Answered(encode({"data": None, "errors": [statement_timeout_error()]}))
            self.stats["compiled" if content is not None else "generic"] += 1
            if content is not None:
                exchange.answered_by = "compiled"
                return Answered(content)
        elif prepared.operation_type == "mutation":
            # Planned once per document like a query (mutation_plan.py): the executor's answer without its
            # per-request machinery; a document the plan does not cover goes to the executor below.
            planned = await self.mutations.execute(prepared, context, request_data.variables)
            if planned is not None:
                exchange.answered_by = "planned"
                return planned
        exchange.answered_by = "executor"
        return await self.schema.execute(
            query, variable_values=request_data.variables, context_value=context,
            operation_name=request_data.operation_name, allowed_operation_types=OperationType.from_http(method),
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:  # type: ignore[override]
        return await self._payload(result, request.state.exchange, getattr(request.state, "context", None))

    async def _payload(self, result: ExecutionResult, exchange: Exchange, ctx: Context | None) -> Any:
        if isinstance(result, Answered):
            await log_reads(ctx)
            return result
        errors = result.errors or []
        request_error = refused_before_execution(result.data, errors)
        payload: dict[str, Any] = {}
        if errors:
            production = not self.runtime.settings.is_development
            payload["errors"] = [format_error(e, correlation_id=exchange.correlation_id, production=production,
                                              operation=exchange.operation_name) for e in errors]
            exchange.codes = error_codes(payload["errors"])
        if not request_error:
            payload["data"] = result.data
        if ctx is not None:
            if "DATABASE_UNAVAILABLE" in exchange.codes:
                self.runtime.connection_lost()
            await log_reads(ctx)
        if request_error and exchange.media == GRAPHQL_RESPONSE:
            exchange.status = 500 if INTERNAL in exchange.codes else 400
        return payload

    def create_response(self, response_data: Any, sub_response: Exchange) -> Response:  # type: ignore[override]
        content = response_data.content if isinstance(response_data, Answered) else encode(response_data)
        status = sub_response.status if isinstance(sub_response.status, int) and sub_response.status else 200
        return Response(content, status_code=status, media_type=sub_response.media)

    # -- HOOK: an answer planned ahead of the executor ---------------------------------------------------------

    async def answer_planned(self, query: str, digest: str | None, body: dict[str, Any], ctx: Context) -> bytes | None:
        """The hook below for another transport (the WebSocket's queries): the same plans and response cache."""
        return await self._compiled(query, digest, body, ctx)

    async def _compiled(self, query: str, digest: str | None, body: dict[str, Any], ctx: Context) -> bytes | None:
        """HOOK — tried before the executor for every *query* (never a mutation or subscription), after the
        document was prepared (`ctx.document`: parsed, validated within the limits, operation selected) and
        its variables coerced (bad ones never reach here). Receives the query text, its sha256 `digest` when
        it came as a persisted query, `body` (`operationName`, `variables`) and the request `Context`
        (principal, purpose, correlation id; personal reads go to `ctx.record_read`). Returns the complete
        response bytes, or None to let the executor answer (which it then does canonically, errors included).
        Today: the query planner (planner/: one SQL statement per root field, the plan cached by document
        hash) behind the response cache."""
        if not self.compile:
            return None
        prepared = ctx.document
        key = prepared.key
        if key in self.compiled:
            operation = self.compiled[key]
            self.compiled.move_to_end(key)
        else:  # planned once per document hash and operation (the document was validated when prepared)
            operation = plan_operation(self.schema._schema, prepared.document, prepared.operation)
            self.compiled[key] = operation
            if len(self.compiled) > 2000:
                self.compiled.popitem(last=False)
        if operation is None:
            return None
        variables = body.get("variables")
        cache_key = self.cache.key(key, variables, ctx, operation) if self.cache.enabled and operation.cacheable \
            else None
        if cache_key is not None:
            hit = self.cache.get(cache_key, self.runtime.positions)
            if hit is not None:
                content, reads = hit
                for resident_id, (district, fields) in reads.items():
                    for f in fields:
                        ctx.record_read(resident_id, district, f)
                return content
        stamp = self.cache.stamp(self.runtime.positions) if cache_key is not None else None
        data = await operation.execute(ctx, self.runtime.read_pool, variables)
        if data is None:
            return None
        content = encode({"data": data})
        if cache_key is not None:
            # The request's own reads and dependencies: not changed after this.
            self.cache.put(cache_key, stamp, content, ctx.reads, ctx.depends)
        return content

    async def _wait_for_position(self, extensions: dict[str, Any] | None, request: Request) -> None:
        raw = (extensions or {}).get("minPosition")
        raw = raw if raw is not None else _text(raw_header(request.scope, b"x-min-position"))
        if raw is None:
            return
        position = ascii_int(raw, field="minPosition", minimum=0, maximum=BIGINT_MAX)
        await self.runtime.positions.wait_for(position, timeout=self.runtime.settings.consistency_timeout_s)


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("latin-1")
