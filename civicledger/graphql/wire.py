"""What goes over the wire: media types, request errors with their HTTP status, and JSON encoding."""

from __future__ import annotations

from typing import Any

import orjson

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    """A request that is refused before anything runs, with a stable `code`.

    `graphql=True` marks a *GraphQL* request error (syntax, validation, operation selection, variables): per
    GraphQL over HTTP an `application/json` client gets it with status 200, an
    `application/graphql-response+json` client with `status`. Other request errors (not JSON, too large,
    wrong method or media type) always carry `status`. `errors` replaces the single message when there are
    several (every validation error of a document)."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None, *,
                 graphql: bool = False, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}
        self.graphql = graphql
        self.errors = errors or [{"message": message, "extensions": {"code": code}}]

    def status_for(self, media: str) -> int:
        return 200 if self.graphql and media == JSON else self.status

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", self.code) for e in self.errors]


def negotiate(accept: str | None) -> str | None:
    if not accept:
        return JSON
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in media:
        return GRAPHQL_RESPONSE
    if JSON in media or "*/*" in media or "application/*" in media:
        return JSON
    return None


def _default(value: Any) -> Any:
    # asyncpg hands out its own UUID type, which orjson does not know: it prints like uuid.UUID.
    if type(value).__name__ == "UUID":
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode(payload: Any) -> bytes:
    return orjson.dumps(payload, default=_default, option=orjson.OPT_NON_STR_KEYS)
