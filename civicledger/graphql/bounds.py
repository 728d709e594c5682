"""Bounds the transport puts on every request (DESIGN §3 "Every request is bounded"):

- the body is read against a size limit as it arrives (a `Content-Length` over it is refused before reading;
  a chunked body is refused as soon as it passes it) — 413 `PAYLOAD_TOO_LARGE`; an overlong URL is 414;
- a request whose client goes away is cancelled: the handler's task gets `CancelledError` wherever it awaits,
  and asyncpg then cancels the statement running on the server;
- a statement on the API's read pool runs at most `statement_timeout` (`limit_statements`); a statement that
  is cancelled for it is the typed error `STATEMENT_TIMEOUT` (graphql/errors.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from civicledger.graphql.wire import RequestError

T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]


class ClientGone(Exception):
    """The client disconnected before the answer was ready."""


async def read_body(scope: dict[str, Any], receive: Receive, limit: int) -> bytes:
    declared = _content_length(scope)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _too_large(limit: int) -> RequestError:
    return RequestError(413, f"the request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE")


def _content_length(scope: dict[str, Any]) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                raise RequestError(400, "Content-Length is not a number", "BAD_REQUEST") from None
    return None


def check_url(scope: dict[str, Any], limit: int) -> None:
    if len(scope.get("query_string", b"")) > limit:
        raise RequestError(414, f"the query string is longer than {limit} bytes: use POST", "URI_TOO_LONG")


def replay(body: bytes) -> Receive:
    """A `receive` that hands the already-read body to the handler once (disconnects go to the watcher)."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never: the request's own task is cancelled if the client leaves
        raise AssertionError("unreachable")

    return receive


async def cancel_on_disconnect(handler: Awaitable[T], receive: Receive, *, body_read: bool,
                               watch_after_s: float = 0.05) -> T:
    """Run `handler` in this task while a watcher waits for `http.disconnect`; when the client leaves first,
    this task is cancelled (the statement on the server with it) and `ClientGone` is raised. `body_read`: the
    request's body was consumed already (else its one, empty, `http.request` message is still to come).

    The watcher starts only once the request has run `watch_after_s`: most requests are done sooner, and a
    task per request would cost them ~10 µs each for nothing."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    gone = False
    watchers: list[asyncio.Task[None]] = []

    async def watch() -> None:
        nonlocal gone
        bodies = 0 if body_read else 1
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
                task.cancel()
                return
            bodies -= 1
            if bodies < 0:
                return  # a server that does not block `receive` after the body: nothing to watch

    later = loop.call_later(watch_after_s, lambda: watchers.append(loop.create_task(watch())))
    try:
        return await handler
    except asyncio.CancelledError:
        if not gone:
            raise
        task.uncancel()
        raise ClientGone from None
    finally:
        later.cancel()
        for watcher in watchers:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        if gone and task.cancelling():
            task.uncancel()  # the client left just as the answer was ready: nothing more to cancel

async def limit_statements(pool: Any, timeout_ms: int) -> None:
    """Give every connection of `pool` PostgreSQL's `statement_timeout` (the ones already open are replaced on
    their next acquire; a connection held for good, like a LISTEN, keeps none — it runs no statements)."""
    if timeout_ms <= 0:
        return
    kwargs = dict(pool._connect_kwargs)
    kwargs["server_settings"] = {**(kwargs.get("server_settings") or {}), "statement_timeout": str(int(timeout_ms))}
    pool.set_connect_args(*pool._connect_args, **kwargs)
    await pool.expire_connections()
