"""Nothing acknowledged is ever lost, nothing retried is ever doubled: integrators register residents with
idempotency keys over HTTP and retry until they get an answer, while the API process is killed with SIGKILL
several times mid-load and started again. Afterwards every acknowledged registration is in the log exactly
once, under its key, as the resident the acknowledgement named."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from civicledger.core.db import ConnectionParams
from tests.conftest import INTEGRATOR
from tests.reliability.client import REGISTER, graphql, resident_input
from tests.reliability.cluster import ApiServer, api_server

pytestmark = pytest.mark.slow  # a cluster and server processes of its own

CLIENTS = 4
PER_CLIENT = 25
KILLS = 3
REGISTERED = "civicledger.domains.residents.resident:Resident.Registered"


class Ledger:
    """What the clients were told: idempotency key -> resident id, for every acknowledged registration."""

    def __init__(self) -> None:
        self.acknowledged: dict[str, str] = {}
        self.retries = 0
        self.lock = threading.Lock()

    def register_until_acknowledged(self, server: ApiServer, key: str, deadline: float) -> None:
        payload = {"i": resident_input(f"账本{key[-6:]}", idempotencyKey=key)}
        while time.monotonic() < deadline:
            try:
                body = graphql(server.base_url, REGISTER, payload, token=INTEGRATOR, timeout=15)
            except (httpx.HTTPError, ValueError):  # refused, reset, cut mid-answer: try again, same key
                body = {}
            answer = (body.get("data") or {}).get("registerResident") or {}
            if answer.get("residentId"):
                with self.lock:
                    self.acknowledged[key] = answer["residentId"]
                return
            with self.lock:
                self.retries += 1
            time.sleep(0.2)
        raise TimeoutError(f"{key} was never acknowledged")


def kill_mid_load(server: ApiServer, ledger: Ledger, stop: threading.Event) -> int:
    """SIGKILL the server each time another share of the registrations has been acknowledged; start it again."""
    kills = 0
    while kills < KILLS and not stop.is_set():
        if len(ledger.acknowledged) >= (kills + 1) * CLIENTS * PER_CLIENT // (KILLS + 2):
            server.kill9()
            kills += 1
            server.start().wait_until_up()
        time.sleep(0.05)
    return kills


def test_every_acknowledged_write_is_in_the_log_exactly_once(cluster_database: ConnectionParams) -> None:
    database = cluster_database
    ledger, stop = Ledger(), threading.Event()
    keys = [[f"ledger-{c}-{i:04d}" for i in range(PER_CLIENT)] for c in range(CLIENTS)]
    deadline = time.monotonic() + 120

    with api_server(database.url) as server, ThreadPoolExecutor(CLIENTS + 1) as pool:
        killer = pool.submit(kill_mid_load, server, ledger, stop)
        clients = [pool.submit(lambda ks=ks: [ledger.register_until_acknowledged(server, k, deadline) for k in ks])
                   for ks in keys]
        try:
            for client in clients:
                client.result()
        finally:
            stop.set()
        kills = killer.result()

    with psycopg.connect(**database.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        logged = conn.execute("SELECT idempotency_key, originator_id::text FROM events WHERE topic = %s",
                              (REGISTERED,)).fetchall()
    by_key: dict[str, list[str]] = {}
    for key, resident in logged:
        by_key.setdefault(key, []).append(resident)

    assert kills == KILLS and ledger.retries > 0  # the kills did cut requests in flight
    assert len(ledger.acknowledged) == CLIENTS * PER_CLIENT
    assert {k: v for k, v in by_key.items() if len(v) != 1} == {}, "registered more than once"
    assert {k: r for k, r in ledger.acknowledged.items() if by_key.get(k) != [r]} == {}, "acknowledged, not logged"
    assert len(logged) == CLIENTS * PER_CLIENT
