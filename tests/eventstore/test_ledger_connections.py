"""A ledger starts with one or two connections of the server's and grows to `pool_size + max_overflow` under
load and no further: every process (each server, rebuild worker, CLI command, demo) shares the server's
max_connections with every other, and one that writes little must not keep eight idle."""

from __future__ import annotations

import time

import psycopg_pool
import pytest

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from tests.conftest import MASTER_KEY
from tests.dbutil import held_connections


def backends(params: ConnectionParams) -> int:
    """The ledger's connections as the server counts them."""
    return sum(held_connections({params.dbname}).values())


def test_a_ledger_opens_one_connection_and_grows_on_demand_to_its_limit(scratch_db: ConnectionParams) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    try:
        with ledger.datastore.get_connection() as conn:
            conn.execute("SELECT 1")
        # One, and a second when the first request came before the first connection was ready (psycopg_pool
        # grows by one for a waiting request): not the eight the library would keep.
        assert backends(scratch_db) <= 2
        pool = ledger.datastore.pool
        held = [pool.getconn(timeout=10) for _ in range(6)]
        assert backends(scratch_db) == 6
        with pytest.raises(psycopg_pool.PoolTimeout):
            pool.getconn(timeout=0.5)  # a seventh waits for one of the six, never opens another
        assert backends(scratch_db) == 6
        for conn in held:
            pool.putconn(conn)
    finally:
        ledger.close()
    # A closed connection's backend leaves pg_stat_activity a moment after the client hangs up.
    deadline = time.monotonic() + 5
    while backends(scratch_db) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backends(scratch_db) == 0
