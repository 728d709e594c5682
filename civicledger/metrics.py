"""`/metrics` in Prometheus' text format (prometheus-client).

Per request (counted by the process that served it; with `serve --workers N` every process writes to the
`PROMETHEUS_MULTIPROC_DIR` that the CLI sets, and any process's `/metrics` sums them all):
  civicledger_graphql_requests_total{operation,type,status}
  civicledger_graphql_request_duration_seconds{operation,type}          (histogram)
  civicledger_graphql_errors_total{operation,code}
Read from the database at scrape time (the same whichever process answers):
  civicledger_event_log_position_total                  the log's head; rate() = appends/s
  civicledger_projection_position_total{projection}     how far each read model (and process) has followed the
                                                        log; rate() = events/s it projects
  civicledger_projection_lag_events{projection}         head − position
  civicledger_checkpoint_age_seconds                    since the latest sealed checkpoint
  civicledger_db_connections{application,state}         this database's server connections (all processes)
  civicledger_read_pool_connections{state}              this process's read pool: in_use, idle, max

`operation` is the operation's name from the parsed document (`anonymous` without one); past 200 distinct
names a process reports `other`, so a client cannot blow up the series count."""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MAX_OPERATION_NAMES = 200
_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = multiprocess_dir() is not None
        self.registry = CollectorRegistry()
        # In multi-process mode the values live in files; the exposition registry reads them all instead.
        own = None if self.multiprocess else self.registry
        self.requests = Counter("civicledger_graphql_requests", "GraphQL requests by operation, type and status",
                                ["operation", "type", "status"], registry=own)
        self.latency = Histogram("civicledger_graphql_request_duration_seconds", "GraphQL request latency",
                                 ["operation", "type"], buckets=_BUCKETS, registry=own)
        self.errors = Counter("civicledger_graphql_errors", "GraphQL errors by operation and code",
                              ["operation", "code"], registry=own)
        if self.multiprocess:
            MultiProcessCollector(self.registry)
        self.database = DatabaseFigures()
        self.registry.register(self.database)
        self._operations: set[str] = set()
        self._children: dict[tuple[str, str, Any], tuple[Any, Any]] = {}

    def _operation(self, name: str | None) -> str:
        label = name or "anonymous"
        if label in self._operations:
            return label
        if len(self._operations) >= MAX_OPERATION_NAMES:
            return "other"
        self._operations.add(label)
        return label

    def observe_request(self, exchange: Any) -> None:
        operation, kind = self._operation(exchange.operation_name), exchange.operation_type or "none"
        key = (operation, kind, exchange.status)
        children = self._children.get(key)
        if children is None:  # labels() validates and locks on every call: look each series up once
            children = self._children[key] = (self.requests.labels(operation, kind, str(exchange.status)),
                                              self.latency.labels(operation, kind))
        children[0].inc()
        children[1].observe(exchange.latency_s)
        for code in exchange.codes:
            self.errors.labels(operation, code).inc()

    async def exposition(self, runtime: Any) -> bytes:
        await self.database.refresh(runtime)
        return generate_latest(self.registry)

    def close(self) -> None:
        if self.multiprocess:
            mark_process_dead(os.getpid())


class DatabaseFigures:
    """A collector over figures read from the database just before each scrape."""

    def __init__(self) -> None:
        self.snapshot: dict[str, Any] = {}

    def describe(self) -> list[Any]:
        return []

    async def refresh(self, runtime: Any) -> None:
        pool = runtime.pool
        async with pool.acquire() as conn:
            head = await conn.fetchval("SELECT coalesce(max(notification_id), 0) FROM events")
            tracking = await conn.fetch("SELECT application_name, notification_id FROM projection_tracking")
            checkpoint = None
            if await conn.fetchval("SELECT to_regclass('log_checkpoints') IS NOT NULL"):
                checkpoint = await conn.fetchval("SELECT extract(epoch FROM max(created_at)) FROM log_checkpoints")
            connections = await conn.fetch(
                "SELECT coalesce(nullif(application_name, ''), '-') AS application, coalesce(state, '-') AS state,"
                " count(*) AS n FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1, 2")
        self.snapshot = {
            "head": int(head or 0),
            "positions": {r["application_name"]: int(r["notification_id"] or 0) for r in tracking},
            "checkpoint_age": None if checkpoint is None else max(0.0, time.time() - float(checkpoint)),
            "connections": [(r["application"], r["state"], r["n"]) for r in connections],
            "pool": (pool.get_size() - pool.get_idle_size(), pool.get_idle_size(), pool.get_max_size()),
        }

    def collect(self) -> Any:
        s = self.snapshot
        if not s:
            return
        head = CounterMetricFamily("civicledger_event_log_position", "The event log's head position (rate = appends/s)")
        head.add_metric([], s["head"])
        yield head
        position = CounterMetricFamily("civicledger_projection_position",
                                       "Log position each read model (or process) has followed (rate = events/s)",
                                       labels=["projection"])
        lag = GaugeMetricFamily("civicledger_projection_lag_events", "Log positions not yet projected",
                                labels=["projection"])
        for name, at in sorted(s["positions"].items()):
            position.add_metric([name], at)
            lag.add_metric([name], max(0, s["head"] - at))
        yield position
        yield lag
        if s["checkpoint_age"] is not None:
            yield GaugeMetricFamily("civicledger_checkpoint_age_seconds", "Seconds since the latest sealed checkpoint",
                                    value=s["checkpoint_age"])
        connections = GaugeMetricFamily("civicledger_db_connections", "Server connections to this database",
                                        labels=["application", "state"])
        for application, state, n in s["connections"]:
            connections.add_metric([application, state], n)
        yield connections
        pool = GaugeMetricFamily("civicledger_read_pool_connections", "This process's read pool", labels=["state"])
        in_use, idle, maximum = s["pool"]
        pool.add_metric(["in_use"], in_use)
        pool.add_metric(["idle"], idle)
        pool.add_metric(["max"], maximum)
        yield pool
