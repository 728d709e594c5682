"""GraphQL errors as clients see them (a stable `extensions.code` on every error) and as operators see them:
expected errors (bad input, rules, auth, limits) are the client's business and are not logged; an unexpected
one is logged once, at ERROR, with the correlation id and a stack — never its message, which may quote a
resident's data — and is masked in production."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import asyncpg
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import GlobalIDValueError

from civicledger.core.data_errors import DATA_ERRORS
from civicledger.core.errors import CivicError, DatabaseUnavailableError
from civicledger.core.failover import is_connection_error

log = logging.getLogger("civicledger.graphql")


INTERNAL = "INTERNAL_SERVER_ERROR"


def refused_before_execution(data: Any, errors: list[GraphQLError] | None) -> bool:
    """A result refused before any field ran (no data, and no error on a field's path): a request error, which
    HTTP answers without `data` and the WebSocket as one `error` message."""
    return data is None and bool(errors) and all(e.path is None for e in errors or ())


def statement_timeout_error() -> dict[str, Any]:
    return {"message": "a database statement took longer than the server allows: narrow the request "
                       "(filters, a smaller `first`)", "extensions": {"code": "STATEMENT_TIMEOUT"}}


def _root_cause(error: GraphQLError) -> BaseException | None:
    original: BaseException | None = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def format_error(error: GraphQLError, *, correlation_id: str, production: bool, operation: str | None = None
                 ) -> dict[str, Any]:
    """The error's JSON; an unexpected error is logged here (once per error)."""
    original = _root_cause(error)
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    if isinstance(original, CivicError):
        out["message"] = original.message
        out["extensions"] = original.extensions()
    elif isinstance(original, (StrawberryInputCoercionError, GlobalIDValueError)):
        out["extensions"] = {"code": "INVALID_INPUT"}
    elif isinstance(original, asyncpg.QueryCanceledError):
        out.update(statement_timeout_error())
    elif original is not None and is_connection_error(original):
        # A failover under way: typed and retryable (the caller resets its connections), not a bug.
        unavailable = DatabaseUnavailableError()
        out["message"], out["extensions"] = unavailable.message, unavailable.extensions()
    elif isinstance(original, DATA_ERRORS):
        # SQLSTATE class 22 (and the drivers' own encoding checks): a value the request carried — a NUL in a
        # text, a number out of range — that the database cannot store or compare. The value is not echoed.
        out["message"] = ("a value in the request cannot be used by the database (a NUL character, a number out "
                          "of range, a malformed value)")
        out["extensions"] = {"code": "INVALID_INPUT", "reason": type(original).__name__}
    elif isinstance(error, GraphQLSyntaxError):
        out["extensions"] = {"code": "GRAPHQL_PARSE_FAILED"}
    elif (original is None or isinstance(original, GraphQLError)) and error.message.startswith("Argument '"):
        # graphql-core coercing a field's arguments during execution (an explicit null for a non-null argument
        # that has a default, a variable of the wrong shape in that place): the request's fault, not a bug.
        out["extensions"] = {"code": "BAD_USER_INPUT"}
    elif error.path is None and (original is None or isinstance(original, GraphQLError)):
        # Raised before execution by validation (limits included): the request's fault.
        out["extensions"] = {"code": (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")}
    else:
        log_unexpected(original or error, correlation_id=correlation_id, operation=operation)
        out["extensions"] = {"code": INTERNAL, "correlationId": correlation_id}
        if production:
            out["message"] = "internal server error"
    return out


def log_unexpected(exc: BaseException, *, correlation_id: str, operation: str | None = None) -> None:
    """Once, at ERROR: the exception's type and where it was raised (file, line, function — not the message nor
    the source lines, either of which may quote personal data)."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    stack = "\n".join(f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in frames)
    log.error("unexpected %s in operation %s (correlation %s); message withheld (it may quote personal data)\n%s",
              type(exc).__name__, operation or "-", correlation_id, stack)


def error_codes(errors: list[dict[str, Any]]) -> list[str]:
    return [str((e.get("extensions") or {}).get("code", INTERNAL)) for e in errors]
