"""Telling a lost connection from a failed command, for both drivers, and how long to keep retrying.

After a failover the pooled connections point at a dead (or demoted) server: every error they raise says
"the connection", never "the command". Such errors are retried — by a command only when it carries an
idempotency key, since a commit may have happened before the connection broke — and otherwise surface as
`DatabaseUnavailableError`, a typed, retryable error, never an internal one."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import psycopg
from eventsourcing import persistence

# SQLSTATE classes and codes that describe the server or the session, not the statement: 08 connection
# exception, 57 operator intervention (admin/crash shutdown, cannot connect now), 25006 read-only
# transaction (a node that is no longer the primary), 53300 too many connections.
_CONNECTION_STATES = ("08", "57", "25006", "53300")


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return state
    diag = getattr(exc, "diag", None)
    state = getattr(diag, "sqlstate", None) if diag is not None else None
    return state if isinstance(state, str) else None


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in out):
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


_CLIENT_SIDE = (psycopg.OperationalError, psycopg.InterfaceError, ConnectionError, TimeoutError, asyncio.TimeoutError,
                persistence.OperationalError, persistence.InterfaceError)
# asyncpg's errors, known by name: the write side (and so every program's services, which import this) must not
# depend on the read side's driver. Its server errors carry `sqlstate`; these two are the client's own.
_ASYNCPG_CLIENT_SIDE = {"InterfaceError", "InternalClientError"}


def _is_asyncpg(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("asyncpg")


def _asyncpg_client_side(exc: BaseException) -> bool:
    return _is_asyncpg(exc) and any(c.__name__ in _ASYNCPG_CLIENT_SIDE for c in type(exc).__mro__)


def is_connection_error(exc: BaseException) -> bool:
    """True for a lost or refused connection or a server that lost its primary role, in either driver; False
    for an error the server gave about the statement itself (a constraint, a timeout, a lock)."""
    chain = _chain(exc)
    for current in chain:  # the driver's own error decides, when there is one (the library wraps them)
        if not (isinstance(current, psycopg.Error) or _is_asyncpg(current)):
            continue
        state = _sqlstate(current)
        if state is not None:
            return state != "57014" and state.startswith(_CONNECTION_STATES)  # 57014: statement cancelled
        return isinstance(current, _CLIENT_SIDE) or _asyncpg_client_side(current)
    return any(isinstance(current, _CLIENT_SIDE) for current in chain)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry within `window_s` seconds, waiting `first_s`, doubling up to `max_s` between attempts."""

    window_s: float = 15.0
    first_s: float = 0.1
    max_s: float = 1.0

    def delays(self):  # type: ignore[no-untyped-def]
        """Yield the wait before each further attempt until the window closes."""
        deadline = time.monotonic() + self.window_s
        delay = self.first_s
        while time.monotonic() + delay < deadline:
            yield delay
            delay = min(delay * 2, self.max_s)
