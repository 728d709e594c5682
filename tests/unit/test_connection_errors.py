"""What counts as a lost connection (retried, or DATABASE_UNAVAILABLE) and what is the command's own error,
for both drivers and for the eventsourcing library's wrappers of psycopg's errors."""

from __future__ import annotations

import asyncpg
import psycopg
from eventsourcing import persistence

from civicledger.core.failover import is_connection_error


def wrapped(cause: BaseException) -> persistence.OperationalError:
    error = persistence.OperationalError(str(cause))
    error.__cause__ = cause
    return error


def test_a_lost_or_refused_connection_or_a_demoted_server_is_a_connection_error() -> None:
    for error in (psycopg.OperationalError("server closed the connection unexpectedly"),
                  wrapped(psycopg.OperationalError("consuming input failed")), ConnectionRefusedError(),
                  asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle of operation"),
                  asyncpg.exceptions.InternalClientError("cannot switch to state 15"),
                  asyncpg.exceptions.TargetServerAttributeNotMatched("none is read-write"),
                  asyncpg.exceptions.AdminShutdownError("terminating connection"),
                  asyncpg.exceptions.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction")):
        assert is_connection_error(error), error


def test_the_servers_answer_about_the_statement_is_not() -> None:
    for error in (persistence.IntegrityError("duplicate key"), asyncpg.exceptions.UniqueViolationError("dup"),
                  asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
                  ValueError("bad input")):
        assert not is_connection_error(error), error
