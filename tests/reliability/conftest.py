"""Reliability tests run on throwaway clusters of their own, never on the shared server: the tests that
stop, crash or starve PostgreSQL start their own; the others share one for the session, a database each."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from civicledger.core.db import ConnectionParams
from tests.reliability.cluster import Cluster, throwaway_cluster


@pytest.fixture(scope="session")
def reliability_cluster() -> Iterator[Cluster]:
    """One throwaway cluster for the tests that neither stop nor starve it."""
    with throwaway_cluster(max_connections=60) as cluster:
        yield cluster


@pytest.fixture
def cluster_database(reliability_cluster: Cluster) -> Iterator[ConnectionParams]:
    """A fresh database on the shared throwaway cluster, dropped afterwards."""
    name = f"reliability_{uuid.uuid4().hex[:10]}"
    reliability_cluster.create_database(name)
    try:
        yield reliability_cluster.params(name)
    finally:
        reliability_cluster.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
