"""What goes over the wire: media types, request errors with their HTTP status, and JSON encoding."""

from __future__ import annotations

from typing import Any

import orjson

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


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
