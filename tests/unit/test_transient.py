"""Which database errors are transient (wait and retry) and which are bugs (stop and show)."""

from __future__ import annotations

import random

import asyncpg
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError as LibraryIntegrityError
from eventsourcing.persistence import OperationalError as LibraryOperationalError

from civicledger.core.transient import Backoff, is_transient


def wrapped(outer: Exception, inner: Exception) -> Exception:
    try:
        raise outer from inner
    except Exception as exc:
        return exc


@pytest.mark.parametrize("error", [
    asyncpg.exceptions.CannotConnectNowError("the database system is not yet accepting connections"),
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.CrashShutdownError("terminating connection because of crash of another server process"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.exceptions.SerializationError("could not serialize access"),
    asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
    asyncpg.exceptions.OutOfMemoryError("out of memory"),
    asyncpg.InterfaceError("connection is closed"),
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError(),
    psycopg.OperationalError("server closed the connection unexpectedly"),
    wrapped(LibraryOperationalError("server closed the connection unexpectedly"),
            psycopg.OperationalError("server closed the connection unexpectedly")),
    wrapped(RuntimeError("while applying a batch"), asyncpg.exceptions.AdminShutdownError("shutting down")),
], ids=lambda e: type(e).__name__)
def test_database_conditions_that_pass_by_themselves_are_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", [
    ZeroDivisionError("a bug"),
    KeyError("missing"),
    asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint"),
    asyncpg.exceptions.UndefinedColumnError('column "x" does not exist'),
    asyncpg.exceptions.DataError("invalid input for query argument $1"),
    asyncpg.InterfaceError("the server expects 2 arguments for this query, 1 was passed"),
    asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    wrapped(LibraryIntegrityError("duplicate key"), psycopg.errors.UniqueViolation("duplicate key")),
], ids=lambda e: type(e).__name__)
def test_errors_the_same_input_would_raise_again_are_not_transient(error: Exception) -> None:
    assert not is_transient(error)


def test_backoff_grows_to_its_cap_with_jitter_and_starts_over_after_a_reset() -> None:
    backoff = Backoff(first=0.1, cap=2.0, rng=random.Random(7))

    waits = [backoff.next() for _ in range(12)]
    backoff.reset()

    assert all(0.05 <= w <= 2.0 for w in waits)
    assert max(waits[:2]) <= 0.2 and min(waits[-4:]) >= 1.0
    assert len(set(waits)) == len(waits)  # jittered
    assert backoff.next() <= 0.1
