"""A commit whose answer is lost with the connection (what a failover does to the commands in flight) is
settled exactly once: with an idempotency key the command is retried whole and answered as a replay of its
own first attempt; without one it is a typed, retryable DATABASE_UNAVAILABLE — never a second write, never a
CONFLICT with itself."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from civicledger.core.db import ConnectionParams
from civicledger.core.errors import DatabaseUnavailableError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.failover import RetryPolicy
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.ops.processes import free_port
from tests.conftest import MASTER_KEY, new_id_number
from tests.ops.proxy import AnswerLosingProxy

CLERK = Actor(id="cw-doubt", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
APPEND = b"civic_append1_events"  # the prepared one-event append; its Parse message also carries "SELECT"


@pytest.fixture
def through_proxy(scratch_db: ConnectionParams) -> Iterator[tuple[ResidentRegistry, AnswerLosingProxy]]:
    Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=1).close()  # the tables
    proxy = AnswerLosingProxy((scratch_db.host, scratch_db.port), free_port(18030, 18038))
    proxied = ConnectionParams(scratch_db.dbname, "127.0.0.1", proxy.port, scratch_db.user, scratch_db.password)
    ledger = Ledger(proxied, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=2, max_overflow=2,
                    retry=RetryPolicy(window_s=5))
    try:
        yield ResidentRegistry(ledger), proxy
    finally:
        ledger.close()
        proxy.close()


def registration() -> RegisterResident:
    return RegisterResident(name="王芳", id_number=new_id_number(), district="HAIZHU", street="江海街",
                            community="红卫社区")


def events_with_key(params: ConnectionParams, key: str) -> int:
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        row = conn.execute("SELECT count(*) FROM events WHERE idempotency_key = %s", (key,)).fetchone()
    return int(row[0]) if row else 0


def test_a_lost_answer_is_settled_by_the_retry_with_the_same_key(
        through_proxy: tuple[ResidentRegistry, AnswerLosingProxy], scratch_db: ConnectionParams) -> None:
    registry, proxy = through_proxy
    registry.register_resident(registration(), CommandContext(actor=CLERK, origin="test"))  # warm: prepared
    ctx = CommandContext(actor=CLERK, idempotency_key="intake-doubt-1", origin="test")
    proxy.lose_next_answer_to(APPEND, unless=b"SELECT")

    recorded = registry.register_resident(registration(), ctx)

    assert proxy.cuts == 1
    assert recorded.replayed  # its own first attempt, found by the retry
    assert events_with_key(scratch_db, "intake-doubt-1") == 1


def test_without_a_key_a_lost_answer_is_a_retryable_error_and_no_second_write(
        through_proxy: tuple[ResidentRegistry, AnswerLosingProxy], scratch_db: ConnectionParams) -> None:
    registry, proxy = through_proxy
    registry.register_resident(registration(), CommandContext(actor=CLERK, origin="test"))
    before = _all_events(scratch_db)
    proxy.lose_next_answer_to(APPEND, unless=b"SELECT")

    with pytest.raises(DatabaseUnavailableError) as raised:
        registry.register_resident(registration(), CommandContext(actor=CLERK, origin="test"))

    assert raised.value.extensions()["retryable"] is True
    assert proxy.cuts == 1
    assert _all_events(scratch_db) == before + 1  # it did commit, once; the client was told it may have


def _all_events(params: ConnectionParams) -> int:
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        row = conn.execute("SELECT count(*) FROM events").fetchone()
    return int(row[0]) if row else 0
