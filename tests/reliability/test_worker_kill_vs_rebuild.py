"""A projection worker killed with SIGKILL in the middle of catching up, several times, leaves every read model
exactly as a rebuild from the same log makes it. Every read model of the registry is compared (new programs
are covered without touching this test), table by table, by a checksum over its ordered rows."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from civicledger import demo
from civicledger.core.clock import SystemClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.programs import PROGRAMS, read_models
from civicledger.slice import build_services
from tests.reliability.cluster import MASTER_KEY, Process, civicledger_process, server_environment, wait_until

pytestmark = pytest.mark.slow  # a cluster and server processes of its own

RESIDENTS = 150
KILLS = 3
BATCH = "20"  # small batches: many commits, so that each kill lands mid-catch-up


def load_log(params: ConnectionParams) -> None:
    """The demo world of every program, written through the services; no read model has seen any of it yet."""
    ledger = Ledger(params, master_key=MASTER_KEY, claims_secret=b"c" * 32)
    try:
        demo.load(build_services(PROGRAMS, ledger, SystemClock()), RESIDENTS)
    finally:
        ledger.close()


def tracking(params: ConnectionParams) -> tuple[dict[str, int], int]:
    """(position of every read model and process, the newest position in the log)."""
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        if conn.execute("SELECT to_regclass('projection_tracking')").fetchone()[0] is None:  # type: ignore[index]
            return {}, 0
        rows = conn.execute("SELECT application_name, notification_id FROM projection_tracking"
                            " WHERE application_name NOT LIKE '\\_\\_%'").fetchall()  # not the library's marker
        newest = conn.execute("SELECT coalesce(max(notification_id), 0) FROM events").fetchone()[0]  # type: ignore[index]
    return {name: position or 0 for name, position in rows}, newest


def checksums(params: ConnectionParams, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Per table: (rows, md5 over the md5 of every row, in order)."""
    out = {}
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        for table in tables:
            out[table] = conn.execute(
                f'SELECT count(*), md5(coalesce(string_agg(md5(t::text), \'\' ORDER BY md5(t::text)), \'\'))'
                f' FROM "{table}" t').fetchone()
    return out  # type: ignore[return-value]


def kill_mid_catch_up(worker: Process, params: ConnectionParams) -> int:
    """Start the worker, let it commit some batches, SIGKILL it before it has caught up; KILLS times."""
    kills = 0
    for _ in range(KILLS):
        before = sum(tracking(params)[0].values())
        worker.start()
        wait_until(lambda before=before: sum(tracking(params)[0].values()) > before, 60, "the worker made progress")
        positions, newest = tracking(params)
        if min(positions.values(), default=0) < newest:
            kills += 1
        worker.kill9()
    return kills


def stopped(params: ConnectionParams) -> dict[str, str]:
    """Read models stopped on an error (recorded by the runner for `/readyz`)."""
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        if conn.execute("SELECT to_regclass('projection_failures')").fetchone()[0] is None:  # type: ignore[index]
            return {}
        return dict(conn.execute("SELECT name, error FROM projection_failures").fetchall())  # type: ignore[arg-type]


def caught_up(params: ConnectionParams) -> bool:
    positions, newest = tracking(params)
    return bool(positions) and all(p >= newest for p in positions.values())


def test_read_models_after_worker_kills_equal_a_rebuild(cluster_database: ConnectionParams, tmp_path: Path) -> None:
    database = cluster_database
    tables = [table for projection in read_models(None) for table in projection.tables]  # type: ignore[arg-type]
    load_log(database)

    with civicledger_process(["worker"], database.url, CIVICLEDGER_PROJECTION_BATCH_SIZE=BATCH) as worker:
        kills_mid_catch_up = kill_mid_catch_up(worker, database)
        worker.start()
        wait_until(lambda: stopped(database) or (caught_up(database) and (time.sleep(1.0) or caught_up(database))),
                   120, "caught up")
        worker.stop()
    assert stopped(database) == {}
    followed = checksums(database, tables)
    rebuilt = subprocess.run([sys.executable, "-m", "civicledger.cli", "rebuild", "--processes", "1"], capture_output=True, text=True,
                             env=server_environment(database.url, tmp_path), timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    rebuilt_sums = checksums(database, tables)

    assert kills_mid_catch_up == KILLS
    assert len(tables) >= 15 and sum(rows for rows, _ in followed.values()) > RESIDENTS
    assert {t: (followed[t], rebuilt_sums[t]) for t in tables if followed[t] != rebuilt_sums[t]} == {}
