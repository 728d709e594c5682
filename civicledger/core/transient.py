"""Transient database conditions: which errors are worth retrying, how long to wait, and how to say so.

A database that restarts, fails over, runs out of connection slots or aborts a transaction to break a
deadlock is not a bug in the code that was talking to it: whatever follows the log (projections, process
managers, the checkpointer, the SLA sweep, listeners) waits and tries again. Everything else — an error that
the same input would raise again — is deterministic and must stay visible.

Classification is by SQLSTATE (class 08 connection exception, 53 insufficient resources such as "too many
clients", 57P01-57P03 shutdown / "not yet accepting connections", 40001 serialization failure, 40P01
deadlock) and, for failures below the SQL level, by kind: asyncpg's connection errors, a closed connection or
pool, psycopg's connection-level OperationalError (and the eventsourcing library's wrappers of both), OSError
(refused, reset) and timeouts. Causes are followed: a wrapper around a transient error is transient."""

from __future__ import annotations

import asyncio
import logging
import random
import time

import asyncpg
import psycopg
from eventsourcing.persistence import InterfaceError as LibraryInterfaceError
from eventsourcing.persistence import OperationalError as LibraryOperationalError

from civicledger.core.aio import within

TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
# 25006: a read-only transaction — the node was the primary and no longer is (a failover).
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01", "25006"})


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None)
    return state if isinstance(state, str) and len(state) == 5 else None


def _transient_by_kind(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.exceptions.ConnectionFailureError):
        return True
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        # After a primary's postmaster is killed, asyncpg's protocol on the broken connection says "cannot
        # switch to state ...; another operation is in progress", and while no node accepts writes yet a
        # multi-host connect says TargetServerAttributeNotMatched: both a failover, not a bug (the failover
        # drill stopped read models on them; /work/shared/reference/patroni-on-this-machine.md).
        return True
    if isinstance(exc, asyncpg.InterfaceError) and not isinstance(exc, asyncpg.exceptions.DataError):
        # "connection is closed", "pool is closing": the connection went away under us. Other interface
        # errors (wrong argument count, another operation in progress) are bugs.
        return "closed" in str(exc)
    if isinstance(exc, psycopg.OperationalError) and _sqlstate(exc) is None:
        return True  # connection failures and pool timeouts carry no SQLSTATE
    if isinstance(exc, psycopg.InterfaceError):
        return "closed" in str(exc)
    if isinstance(exc, LibraryOperationalError | LibraryInterfaceError) and exc.__cause__ is None:
        return True
    return isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError)


def is_transient(exc: BaseException) -> bool:
    """True if `exc` (or what it wraps) is a database condition that goes away by itself."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        state = _sqlstate(current)
        if state is not None:
            if state[:2] in TRANSIENT_SQLSTATE_CLASSES or state in TRANSIENT_SQLSTATES:
                return True
        elif _transient_by_kind(current):
            return True
        current = current.__cause__ or current.__context__
    return False


class Backoff:
    """Capped exponential backoff with jitter: the n-th wait is uniform in [c/2, c] where c = min(cap,
    first*2^n), so that many processes reconnecting after one outage do not all knock at the same moment."""

    def __init__(self, first: float = 0.1, cap: float = 5.0, *, rng: random.Random | None = None) -> None:
        self.first = first
        self.cap = cap
        self.attempts = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        ceiling = min(self.cap, self.first * (2 ** min(self.attempts, 30)))
        self.attempts += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempts = 0


class Outage:
    """Logs a transient condition once per outage (a warning) and its end once (info), not every retry."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self.log = log
        self.what = what
        self.since: float | None = None
        self.failures = 0
        self.last_error: str | None = None

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}".strip()
        if self.since is None:
            self.since = time.monotonic()
            self.log.warning("%s: database unavailable (%s); retrying with backoff", self.what, self.last_error)

    def recovered(self) -> None:
        if self.since is not None:
            self.log.info("%s: database available again after %.1fs (%d failed attempts)", self.what,
                          time.monotonic() - self.since, self.failures)
        self.since = None
        self.failures = 0
        self.last_error = None


async def pause(delay: float, stop: asyncio.Event | None = None) -> None:
    """Sleep `delay` seconds, or less if `stop` is set meanwhile."""
    if stop is None:
        await asyncio.sleep(delay)
        return
    try:
        await within(delay, stop.wait())
    except TimeoutError:
        pass


class QuietPoolFloor(logging.Filter):
    """asyncpg's pool logs a warning with a traceback at every failed attempt to restore its minimum size
    during an outage; our followers already say once that the database is away, and when it is back."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Failed to restore the pool connection floor") and record.exc_info:
            return not is_transient(record.exc_info[1]) if record.exc_info[1] is not None else True
        return True


def quiet_transient_pool_warnings() -> None:
    """Install `QuietPoolFloor` once (idempotent)."""
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, QuietPoolFloor) for f in pool_log.filters):
        pool_log.addFilter(QuietPoolFloor())
