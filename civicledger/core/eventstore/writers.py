"""The writers' own connections (asyncpg, on the event loop), with the append's statements prepared once each.

A general-purpose pool costs more client time per command than the append itself spends in the client: asyncpg's
`Pool.acquire` and release (holders, a reset callback) and the statement-cache lookup are ~50 µs of CPU each time,
against ~15 µs for a prepared statement on a connection at hand. Here: at most `size` connections, an idle one
taken from a list, waiters served in order, the append's statements prepared on each connection the first time.
A connection that failed during a call is discarded (`release(..., discard=True)`); `expire()` (a failover)
replaces every connection as it comes back. Connections are opened on demand: when the server refuses one for
want of slots ("too many clients", SQLSTATE 53300) while some are open here, the caller waits for one of those
instead of failing, and no new one is tried for a second (`_REFUSED_FOR_S`).

The driver is the runtime's business: `connect` is a coroutine function returning a connection (asyncpg's)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

_REFUSED_FOR_S = 1.0  # after the server refused a connection for want of slots: make do with those open


class WriterConnections:
    def __init__(self, connect: Callable[[], Awaitable[Any]], size: int) -> None:
        self._connect = connect
        self.size = max(1, size)
        self._idle: list[tuple[Any, int]] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[tuple[Any, int] | None]] = deque()
        self._prepared: dict[int, dict[str, Any]] = {}
        self._generation = 0
        self._closed = False
        self._refused_until = 0.0  # the monotonic time until which no new connection is tried (see the module)

    def _may_open(self) -> bool:
        return self._open < self.size and (
            self._open == 0 or time.monotonic() >= self._refused_until)

    async def acquire(self) -> tuple[Any, int]:
        """An open connection and its generation (hand both back to `release`)."""
        if self._closed:
            raise RuntimeError("the writers' connections are closed")
        while self._idle:
            conn, generation = self._idle.pop()
            if generation == self._generation and not conn.is_closed():
                return conn, generation
            self._drop(conn)
        if not self._may_open():
            waiter: asyncio.Future[tuple[Any, int] | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    self.release(*waiter.result())  # type: ignore[misc]
                elif waiter.done() and not waiter.cancelled():
                    self._open -= 1
                    self._wake()
                raise
            if handed is not None:
                return handed
            # a slot was freed (a connection discarded): open one in its place (the slot is counted already)
        else:
            self._open += 1
        try:
            conn = await self._connect()
        except BaseException as exc:
            self._open -= 1
            if getattr(exc, "sqlstate", None) == "53300" and self._open > 0:
                self._refused_until = time.monotonic() + _REFUSED_FOR_S
                return await self.acquire()  # one of the open ones, when it comes back
            self._wake()
            raise
        return conn, self._generation

    def release(self, conn: Any, generation: int, *, discard: bool = False) -> None:
        if discard or self._closed or generation != self._generation or conn.is_closed():
            self._drop(conn)
            self._wake()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result((conn, generation))
                return
        self._idle.append((conn, generation))

    async def prepared(self, conn: Any, sql: str) -> Any:
        """`sql` prepared on this connection (once)."""
        statements = self._prepared.setdefault(id(conn), {})
        statement = statements.get(sql)
        if statement is None:
            statement = statements[sql] = await conn.prepare(sql)
        return statement

    def expire(self) -> None:
        """Replace every connection: idle ones at their next use, busy ones when they come back."""
        self._generation += 1

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            self._open -= 1
            self._prepared.pop(id(conn), None)
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError("the writers' connections are closed"))

    def _drop(self, conn: Any) -> None:
        self._open -= 1
        self._prepared.pop(id(conn), None)
        with contextlib.suppress(Exception):
            conn.terminate()

    def _wake(self) -> None:
        """A slot is free: the first waiter opens a connection in it."""
        while self._waiters and self._may_open():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._open += 1
                waiter.set_result(None)
                return
