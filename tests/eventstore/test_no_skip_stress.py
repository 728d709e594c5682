"""The gap problem, provoked: writers that hold their transactions open for random times after taking
positions, while a subscriber follows the log. No event may be skipped or delivered twice."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.recorder import AppendRequest, CivicApplicationRecorder


@pytest.fixture
def recorder(scratch_db: ConnectionParams) -> Iterator[CivicApplicationRecorder]:
    datastore = PostgresDatastore(**scratch_db.psycopg_kwargs(), pool_size=4)  # type: ignore[arg-type]
    recorder = CivicApplicationRecorder(datastore)
    recorder.create_table()
    yield recorder
    datastore.close()


def slow_append(params: ConnectionParams, recorder: CivicApplicationRecorder, events: list[StoredEvent],
                hold: float) -> list[int]:
    """Append through the recorder's own SQL, then keep the transaction open before committing."""
    statement = recorder.append_one_statement if len(events) == 1 else recorder.append_statement
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        with conn.transaction():
            positions = conn.execute(statement, recorder._append_params(events, AppendRequest())).fetchone()[0]
            time.sleep(hold)
        return list(positions)


def stream(n: int) -> list[StoredEvent]:
    sid = uuid.uuid4()
    return [StoredEvent(sid, v, "stress", b"{}") for v in range(1, n + 1)]


def test_no_subscriber_skips_or_repeats_an_event_under_concurrent_slow_writers(
        recorder: CivicApplicationRecorder, scratch_db: ConnectionParams) -> None:
    committed: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()
    rng = random.Random(7)

    def writer(seed: int) -> None:
        local = random.Random(seed)
        for _ in range(40):
            positions = slow_append(scratch_db, recorder, stream(local.choice((1, 1, 1, 3, 10))),
                                    hold=local.choice((0, 0, 0.001, 0.005, 0.02, 0.06)))
            with lock:
                committed.extend(positions)

    delivered: list[int] = []

    def subscriber() -> None:
        last = 0
        while not stop.is_set() or last < max(committed, default=0):
            batch = recorder.select_notifications(start=last, limit=50, inclusive_of_start=False)
            for n in batch:
                delivered.append(n.id)
                last = n.id
            if not batch:
                time.sleep(0.0005)

    reader = threading.Thread(target=subscriber)
    reader.start()
    writers = [threading.Thread(target=writer, args=(rng.random(),)) for _ in range(8)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join(timeout=60)

    assert len(delivered) == len(set(delivered)), "an event was delivered twice"
    assert delivered == sorted(delivered), "events were delivered out of order"
    assert sorted(committed) == delivered, f"skipped: {sorted(set(committed) - set(delivered))[:10]}"


def test_a_reader_ignoring_the_horizon_would_have_skipped(recorder: CivicApplicationRecorder,
                                                         scratch_db: ConnectionParams) -> None:
    """Control: the race is real. A slow writer takes position N; a fast one commits N+1; a naive reader
    (positions only) moves past N and never comes back. The horizon-aware reader waits for N."""
    slow = threading.Thread(target=slow_append, args=(scratch_db, recorder, stream(1), 0.6))
    slow.start()
    time.sleep(0.15)
    fast = slow_append(scratch_db, recorder, stream(1), 0)[0]

    with psycopg.connect(**scratch_db.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        naive = [r[0] for r in conn.execute("SELECT notification_id FROM events ORDER BY notification_id")]
    safe_now = [n.id for n in recorder.select_notifications(start=0, limit=10)]
    slow.join()
    safe_later = [n.id for n in recorder.select_notifications(start=0, limit=10)]

    assert naive == [fast] and fast == 2, "the naive reader sees position 2 while 1 is still in flight"
    assert safe_now == [], "the horizon-aware reader delivers nothing past an in-flight position"
    assert safe_later == [1, 2]


def test_an_open_transaction_that_is_not_an_append_does_not_hold_delivery_back(
        recorder: CivicApplicationRecorder, scratch_db: ConnectionParams) -> None:
    """Only appends in flight bound the horizon: a long batch job writing elsewhere (here: another table,
    holding a transaction id) must not stall every subscriber, as a bound on the cluster's oldest running
    transaction would."""
    with psycopg.connect(**scratch_db.psycopg_kwargs()) as other:  # type: ignore[arg-type]
        other.execute("CREATE TABLE IF NOT EXISTS batch_job (n int)")
        other.commit()
        other.execute("INSERT INTO batch_job VALUES (1)")  # now holds an xid, transaction left open

        position = slow_append(scratch_db, recorder, stream(1), 0)[0]
        delivered = [n.id for n in recorder.select_notifications(start=0, limit=10)]
        other.rollback()

    assert delivered == [position]
