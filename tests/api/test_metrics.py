"""/metrics in Prometheus' format: requests and errors by operation, read models' lag, the log's head, pools —
and one count across the processes of `serve --workers N`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.api.servers import free_port
from tests.conftest import CASEWORKER_HAIZHU, GQL, JWT_SECRET
from tests.dbutil import fresh_database


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(figures: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_requests_and_errors_by_operation(gql: GQL, http: httpx.AsyncClient) -> None:
    before = samples((await http.get("/metrics")).text)

    await gql("query MetricsWho { viewer { role } }")
    await gql("query MetricsWho { viewer { role } }")
    await gql("query MetricsBad($id: ID!) { resident(id: $id) { name } }", {"id": "294"})

    after = samples((await http.get("/metrics")).text)
    grew = {key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key, 0.0)}
    assert value(grew, "civicledger_graphql_requests_total", operation="MetricsWho", type="query", status="200") == 2
    assert value(grew, "civicledger_graphql_errors_total", operation="MetricsBad", code="INVALID_INPUT") == 1
    assert value(grew, "civicledger_graphql_request_duration_seconds_count", operation="MetricsWho", type="query") == 2


async def test_metrics_report_the_log_the_read_models_and_the_pools(http: httpx.AsyncClient, gql: GQL) -> None:
    from tests.api.helpers import register

    await register(gql, as_=CASEWORKER_HAIZHU, name="度量")

    figures = samples((await http.get("/metrics")).text)

    head = value(figures, "civicledger_event_log_position_total")
    timeline = value(figures, "civicledger_projection_position_total", projection="client_timeline")
    assert head > 0 and 0 < timeline <= head
    assert value(figures, "civicledger_projection_lag_events", projection="client_timeline") == head - timeline
    assert value(figures, "civicledger_read_pool_connections", state="max") > 0
    assert any(name == "civicledger_db_connections" for name, _ in figures)


def test_counts_are_shared_by_the_processes_of_serve_workers(tmp_path: Path) -> None:
    port = free_port()
    with fresh_database("civicledger_metrics") as params:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CIVICLEDGER_", "PROMETHEUS_"))},
               "DATABASE_URL": params.url, "CIVICLEDGER_DATA_DIR": str(tmp_path), "CIVICLEDGER_JWT_SECRET": JWT_SECRET,
               "CIVICLEDGER_READ_POOL_SIZE": "2", "CIVICLEDGER_DB_POOL_SIZE": "2",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
        (tmp_path / "metrics").mkdir()
        server = subprocess.Popen([sys.executable, "-m", "civicledger.cli", "serve", "--workers", "2", "--port",
                                   str(port), "--no-projections"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            headers = {"Authorization": f"Bearer {CASEWORKER_HAIZHU}"}

            def client_session(_: int) -> int:  # one connection each; connections land on either process
                with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                    return sum(client.post("/graphql", json={"query": "query Shared { viewer { role } }"})
                               .status_code == 200 for _ in range(3))

            sent = 0
            with ThreadPoolExecutor(8) as pool:
                for _ in range(10):  # until both processes have counted some (the kernel picks who accepts)
                    sent += sum(pool.map(client_session, range(8)))
                    if len(list((tmp_path / "metrics").glob("counter_*.db"))) >= 2:
                        break
            scrapes = [samples(httpx.get(f"{base}/metrics", timeout=10).text) for _ in range(6)]
            counting = {p.name for p in (tmp_path / "metrics").glob("counter_*.db")}
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    counts = [value(s, "civicledger_graphql_requests_total", operation="Shared", type="query", status="200")
              for s in scrapes]
    assert counts == [float(sent)] * 6, counts  # whichever process answered the scrape
    assert len(counting) >= 2, counting  # ... and more than one process counted
