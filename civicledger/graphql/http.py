"""GraphQL over HTTP (the GraphQL-over-HTTP specification), on plain Starlette.

- `application/graphql-response+json` when the client accepts it: request errors (unparsable JSON, no
  query, syntax or validation errors) answer 4xx; `application/json` clients get 200 with `errors`.
- Bearer JWT required; a missing or forged token is `UNAUTHENTICATED` (401) and nothing runs.
- `extensions.minPosition` (or header `X-Min-Position`) waits until the read models reach that position.
- Automatic persisted queries: `extensions.persistedQuery.sha256Hash` with or without the query text.
- Personal-data reads are written to the access log before the response leaves."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import OrderedDict
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.relay.types import GlobalIDValueError

from civicledger.core.access_log import record_reads
from civicledger.core.ascii import BIGINT_MAX, ascii_int
from civicledger.core.auth import Principal, verify_token
from civicledger.core.errors import CivicError, UnauthenticatedError
from civicledger.core.text import stated_purpose
from civicledger.graphql.caches import PersistedQueries, ResponseCache
from civicledger.graphql.compiled import CompiledOperation, compile_operation
from civicledger.graphql.context import Context
from civicledger.graphql.wire import GRAPHQL_RESPONSE, JSON, RequestError, encode, negotiate

log = logging.getLogger("civicledger.graphql")



def authenticate(request: Request, secret: str) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("a bearer token is required")
    return verify_token(secret, token.strip())


def format_error(error: GraphQLError, ctx: Context | None, *, production: bool, request_error: bool) -> dict[str, Any]:
    original = error.original_error
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    if isinstance(original, CivicError):
        out["message"] = original.message
        out["extensions"] = original.extensions()
    elif isinstance(original, GlobalIDValueError):  # a malformed `id` argument: bad input, not a bug
        out["extensions"] = {"code": "INVALID_INPUT", "field": "id"}
    elif original is not None and error.path is None and error.message.startswith("Variable '$"):
        # A variable's value that its type refuses (an Int beyond 32 bits, an impossible Date): bad input.
        out["extensions"] = {"code": "INVALID_INPUT"}
    elif isinstance(error, GraphQLSyntaxError):
        out["extensions"] = {"code": "GRAPHQL_PARSE_FAILED"}
    elif original is None and request_error:
        out["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
    elif original is None:
        out["extensions"] = {"code": "BAD_USER_INPUT" if "Variable" in error.message else "GRAPHQL_VALIDATION_FAILED"}
    else:
        correlation = str(ctx.correlation_id) if ctx else "-"
        log.error("unexpected error (correlation %s): %r", correlation, original, exc_info=original)
        out["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "correlationId": correlation}
        if production:
            out["message"] = "internal server error"
    return out


class GraphQLHTTP:
    """The POST/GET /graphql endpoint."""

    def __init__(self, schema: Any, runtime: Any, ide_html: str | None, *, cache_enabled: bool = True) -> None:
        self.schema = schema
        self.runtime = runtime
        self.ide_html = ide_html
        self.persisted = PersistedQueries()
        self.compiled: OrderedDict[tuple[str, str | None], CompiledOperation | None] = OrderedDict()
        self.compile = True
        self.cache = ResponseCache(enabled=cache_enabled)
        self.stats = {"compiled": 0, "generic": 0}

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        if request.method == "GET" and self.ide_html and "text/html" in request.headers.get("accept", "") \
                and not request.query_params.get("query"):
            return HTMLResponse(self.ide_html)
        if media is None:
            return Response(encode({"errors": [{"message": "not acceptable: use application/json or "
                                                f"{GRAPHQL_RESPONSE}", "extensions": {"code": "NOT_ACCEPTABLE"}}]}),
                            status_code=406, media_type=JSON)
        ctx: Context | None = None
        try:
            principal = authenticate(request, self.runtime.settings.jwt_secret)
            body = await self._parse(request)
            query, _digest = self.persisted.resolve(body.get("query"), body.get("extensions"))
            ctx = Context(
                runtime=self.runtime, principal=principal,
                purpose=stated_purpose(request.headers.get("x-access-purpose")),
                origin=f"graphql:{request.client.host if request.client else '-'}",
                operation_name=body.get("operationName"),
                request=request,
            )
            correlation = request.headers.get("x-correlation-id")
            if correlation:
                try:
                    ctx.correlation_id = uuid.UUID(correlation)
                except ValueError:
                    pass
            await self._wait_for_position(body, request)
            if request.method == "GET" and query.lstrip().startswith("mutation"):
                raise RequestError(405, "mutations are not allowed over GET", "METHOD_NOT_ALLOWED",
                                   {"Allow": "POST"})
            content = await self._compiled(query, _digest, body, ctx)
            self.stats["compiled" if content is not None else "generic"] += 1
            if content is not None:
                await self._record_reads(ctx)
                return Response(content, status_code=200, media_type=media,
                                headers={"X-Correlation-Id": str(ctx.correlation_id)})
            result = await self.schema.execute(
                query, variable_values=body.get("variables"), context_value=ctx,
                operation_name=body.get("operationName"),
            )
        except RequestError as exc:
            return Response(encode({"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}),
                            status_code=exc.status, media_type=media, headers=exc.headers)
        except CivicError as exc:
            status = 401 if isinstance(exc, UnauthenticatedError) else 400
            headers = {"WWW-Authenticate": 'Bearer realm="civicledger"'} if status == 401 else {}
            if status == 400 and media == JSON:
                status = 200
            return Response(encode({"errors": [{"message": exc.message, "extensions": exc.extensions()}]}),
                            status_code=status, media_type=media, headers=headers)

        errors = result.errors or []
        request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
        payload: dict[str, Any] = {}
        if errors:
            production = not self.runtime.settings.is_development
            payload["errors"] = [format_error(e, ctx, production=production, request_error=request_error)
                                 for e in errors]
        if not request_error:
            payload["data"] = result.data
        await self._record_reads(ctx)
        status = 400 if (request_error and media == GRAPHQL_RESPONSE) else 200
        return Response(encode(payload), status_code=status, media_type=media,
                        headers={"X-Correlation-Id": str(ctx.correlation_id)})

    async def _record_reads(self, ctx: Context) -> None:
        if ctx.reads:
            async with self.runtime.pool.acquire() as conn:
                await record_reads(
                    conn, ctx.principal, ((rid, d, f) for rid, (d, f) in ctx.reads.items()),
                    purpose=ctx.purpose, correlation_id=str(ctx.correlation_id), operation=ctx.operation_name,
                    log=self.runtime.access_log,
                )

    async def _compiled(self, query: str, digest: str | None, body: dict[str, Any], ctx: Context) -> bytes | None:
        """The compiled fast path (see compiled.py), behind the response cache; None: use the executor."""
        if not self.compile or query.lstrip().startswith(("mutation", "subscription")):
            return None
        key = (digest or hashlib.sha256(query.encode()).hexdigest(), body.get("operationName"))
        if key in self.compiled:
            operation = self.compiled[key]
            self.compiled.move_to_end(key)
        else:
            settings = self.runtime.settings
            operation = compile_operation(
                self.schema, query, body.get("operationName"), max_tokens=settings.query_token_limit,
                max_depth=settings.query_depth_limit, max_aliases=settings.query_alias_limit,
            )
            self.compiled[key] = operation
            if len(self.compiled) > 2000:
                self.compiled.popitem(last=False)
        if operation is None:
            return None
        variables = body.get("variables")
        cache_key = self.cache.key(key, variables, ctx, operation) if self.cache.enabled else None
        if cache_key is not None:
            hit = self.cache.get(cache_key, self.runtime.positions)
            if hit is not None:
                content, reads = hit
                for resident_id, (district, fields) in reads.items():
                    for f in fields:
                        ctx.record_read(resident_id, district, f)
                return content
        stamp = self.cache.stamp(self.runtime.positions) if cache_key is not None else None
        data = await operation.execute(ctx, self.runtime.pool, variables)
        if data is None:
            return None
        content = encode({"data": data})
        if cache_key is not None:
            self.cache.put(cache_key, stamp, content, ctx.reads)  # the request's own: not changed after this
        return content

    async def _parse(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params = request.query_params
            body: dict[str, Any] = {"query": params.get("query"), "operationName": params.get("operationName")}
            for key in ("variables", "extensions"):
                if params.get(key):
                    try:
                        body[key] = orjson.loads(params[key])
                    except orjson.JSONDecodeError:
                        raise RequestError(400, f"{key} is not valid JSON", "BAD_REQUEST") from None
            return body
        if request.method != "POST":
            raise RequestError(405, "GraphQL accepts GET and POST", "METHOD_NOT_ALLOWED", {"Allow": "GET, POST"})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise RequestError(415, "POST bodies must be application/json", "UNSUPPORTED_MEDIA_TYPE")
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise RequestError(400, "the request body is not valid JSON", "BAD_REQUEST") from None
        if not isinstance(body, dict):
            raise RequestError(400, "the request body must be a JSON object", "BAD_REQUEST")
        if body.get("query") is not None and not isinstance(body.get("query"), str):
            raise RequestError(400, "query must be a string", "BAD_REQUEST")
        if body.get("variables") is not None and not isinstance(body.get("variables"), dict):
            raise RequestError(400, "variables must be an object", "BAD_REQUEST")
        return body

    async def _wait_for_position(self, body: dict[str, Any], request: Request) -> None:
        raw = (body.get("extensions") or {}).get("minPosition") if isinstance(body.get("extensions"), dict) else None
        raw = raw if raw is not None else request.headers.get("x-min-position")
        if raw is None:
            return
        position = ascii_int(raw, field="minPosition", minimum=0, maximum=BIGINT_MAX)
        await self.runtime.positions.wait_for(position, timeout=self.runtime.settings.consistency_timeout_s)
