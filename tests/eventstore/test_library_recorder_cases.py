"""The eventsourcing library's own reusable recorder test cases, run against our recorders.

They prove that the concurrent append path keeps every contract of the library: inserts and selects,
conflicts, notification ids in order and contiguous, subscriptions, tracking, and the non-interleaving race
between two large concurrent appends."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests import persistence as library

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.recorder import (
    CivicAggregateRecorder,
    CivicApplicationRecorder,
    CivicProcessRecorder,
    CivicTrackingRecorder,
)

PARAMS: dict[str, Any] = {}


@pytest.fixture(autouse=True, scope="module")
def _database(library_db: ConnectionParams) -> None:
    PARAMS.update(library_db.psycopg_kwargs())


def reset_schema(datastore: PostgresDatastore) -> None:
    """Start each library test on an empty schema (the library's own helper needs its unshipped examples)."""
    with datastore.transaction(commit=True) as curs:
        curs.execute("DROP SCHEMA IF EXISTS public CASCADE")
        curs.execute("CREATE SCHEMA public")


class _OnFreshSchema:
    datastore: PostgresDatastore

    def setUp(self) -> None:
        self.datastore = PostgresDatastore(**PARAMS, pool_size=12, max_overflow=10)
        reset_schema(self.datastore)

    def tearDown(self) -> None:
        reset_schema(self.datastore)
        self.datastore.close()


class TestAggregateRecorderCases(_OnFreshSchema, library.AggregateRecorderTestCase):
    def create_recorder(self) -> CivicAggregateRecorder:
        recorder = CivicAggregateRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestApplicationRecorderCases(_OnFreshSchema, library.ApplicationRecorderTestCase):
    def create_recorder(self) -> CivicApplicationRecorder:
        recorder = CivicApplicationRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestNonInterleavingCase(_OnFreshSchema, library.NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> CivicApplicationRecorder:
        recorder = CivicApplicationRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestTrackingRecorderCases(_OnFreshSchema, library.TrackingRecorderTestCase):
    def create_recorder(self) -> CivicTrackingRecorder:
        recorder = CivicTrackingRecorder(self.datastore)
        recorder.create_table()
        return recorder


class TestProcessRecorderCases(_OnFreshSchema, library.ProcessRecorderTestCase):
    def create_recorder(self) -> CivicProcessRecorder:
        recorder = CivicProcessRecorder(self.datastore)
        recorder.create_table()
        return recorder
