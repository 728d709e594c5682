"""What both drivers (and the event store, wrapping psycopg) raise for a value the database cannot take: SQLSTATE
class 22 — a NUL in a text, a number out of range, a malformed value — and the drivers' own encoding checks. The
API answers them as the request's fault (`INVALID_INPUT`), never as a server error."""

from __future__ import annotations

import asyncpg
import eventsourcing.persistence
import psycopg

DATA_ERRORS: tuple[type[Exception], ...] = (asyncpg.DataError, psycopg.DataError, eventsourcing.persistence.DataError)
