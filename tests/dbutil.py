"""A fresh database per use, on the server of DATABASE_URL or on one embedded server shared by the whole
test session (started on first use, stopped when the session's process exits).

`fresh_database` gives an empty database (what a first start, a migration or an upgrade test needs);
`migrated_database` gives one exactly as a first `Runtime.start` leaves it — every migration applied, every read
model's tables made, an empty log — but copied (`CREATE DATABASE ... TEMPLATE`) from one such database made once
per test process, instead of migrating each time (about 2 s of catalog work each on this machine). Only the log's
identity is made anew, as the baseline migration does, so that no two logs of a session share one.

A database a test is done with is closed at once (its connections ended, none accepted) and dropped when the test
process exits, with all the others (`release_database`): every DROP DATABASE forces an immediate checkpoint of the
whole server, 1–3 s each with a busy server between tests, and a fraction of that in a row at the end."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg

from civicledger.core.db import ConnectionParams, EmbeddedPostgres, drop_database, ensure_database


@cache
def test_server() -> ConnectionParams:
    url = os.environ.get("DATABASE_URL")
    if url:
        return ConnectionParams.from_url(url)
    data_dir = Path(os.environ.get("CIVICLEDGER_TEST_DATA_DIR") or tempfile.gettempdir()) / "civicledger-tests"
    embedded = EmbeddedPostgres(data_dir)
    params = embedded.start()
    atexit.register(embedded.stop)
    return params


# The databases this process has made and not yet released: the connections to them are this run's.
_LIVE: set[str] = set()
_counter: psycopg.Connection[Any] | None = None


def held_connections(databases: set[str] | None = None) -> dict[str, int]:
    """This run's client connections by database and application name, as the server counts them (on a connection
    of its own to `postgres`): to `databases`, by default to every database this process has made and not yet
    released. None made, none counted (and no server started for it)."""
    global _counter
    names = _LIVE if databases is None else databases
    if not names:
        return {}
    if _counter is None or _counter.closed:
        kwargs = test_server().with_dbname("postgres").psycopg_kwargs()
        _counter = psycopg.connect(**kwargs, autocommit=True, application_name="connection-count")  # type: ignore[arg-type]
    rows = _counter.execute(
        "SELECT datname || ' ' || coalesce(nullif(application_name, ''), '(psycopg)'), count(*) "
        "FROM pg_stat_activity WHERE datname = ANY(%s) AND backend_type = 'client backend' GROUP BY 1",
        (sorted(names),)).fetchall()
    return {str(key): int(n) for key, n in rows}


@contextmanager
def fresh_database(prefix: str = "civicledger_test") -> Iterator[ConnectionParams]:
    server = test_server()
    admin = server.with_dbname("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    ensure_database(admin, name)
    _LIVE.add(name)
    try:
        yield server.with_dbname(name)
    finally:
        release_database(admin, name)


_TEMPLATE_LOCK = threading.Lock()
_template_name: str | None = None


def first_start(params: ConnectionParams) -> None:
    """What a first start does to an empty database: the ledger migrates it, the runtime makes the read models'
    tables (no projection run, no process, no sealer: nothing is written to the log). On a thread of its own, so
    that it may be called from a test running on the event loop."""
    from civicledger.runtime import Runtime
    from tests.conftest import make_settings

    async def start_and_stop() -> None:
        runtime = Runtime(make_settings(), params)
        try:
            await runtime.start(run_projections=False, run_processes=False, run_sealer=False)
        finally:
            await runtime.close()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(start_and_stop())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="template-database")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def template_database() -> str:
    """The name of this process's template database, made on first use and dropped when the process exits."""
    global _template_name
    with _TEMPLATE_LOCK:
        if _template_name is None:
            server = test_server()
            admin = server.with_dbname("postgres")
            name = f"civicledger_template_{uuid.uuid4().hex[:10]}"
            ensure_database(admin, name)
            try:
                first_start(server.with_dbname(name))
            except BaseException:
                drop_database(admin, name)
                raise
            atexit.register(drop_database, admin, name)
            _template_name = name
        return _template_name


@contextmanager
def migrated_database(prefix: str = "civicledger_test") -> Iterator[ConnectionParams]:
    """An empty log with every migration applied and every read model's tables made (see the module's note)."""
    template = template_database()
    server = test_server()
    admin = server.with_dbname("postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _LIVE.add(name)
    try:
        params = server.with_dbname(name)
        with psycopg.connect(**params.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute("UPDATE log_identity SET log_id = gen_random_uuid(), created_at = now()")
        yield params
    finally:
        release_database(admin, name)


_RELEASED: list[tuple[ConnectionParams, str]] = []
_RELEASED_LOCK = threading.Lock()


def release_database(admin: ConnectionParams, name: str) -> None:
    """Done with a database: its connections end now and no new one is accepted; it is dropped at exit."""
    _LIVE.discard(name)
    with psycopg.connect(**admin.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    with _RELEASED_LOCK:
        if not _RELEASED:
            atexit.register(_drop_released)
        _RELEASED.append((admin, name))


def _drop_released() -> None:
    with _RELEASED_LOCK:
        released, _RELEASED[:] = list(_RELEASED), []
    for admin, name in released:
        with contextlib.suppress(Exception):
            drop_database(admin, name)
