"""Commands run through `bridge.run` (as the runtime runs every program's commands: on the event loop, the
append and the stream reads asyncpg calls on the writers' pool) keep every guarantee of the
synchronous path: the append is the asyncpg one, not psycopg's; a repeat of a keyed command is its replay; a
taken claim and a lost race are CONFLICT; a commit whose answer is lost with the connection is settled exactly
once (retried whole with a key, DATABASE_UNAVAILABLE without one, never a second write)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import psycopg
import pytest

from civicledger.core import bridge
from civicledger.core.command_threads import CommandThreads
from civicledger.core.db import ConnectionParams
from civicledger.core.errors import ConflictError, DatabaseUnavailableError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.eventstore.writers import WriterConnections
from civicledger.core.failover import RetryPolicy
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.commands import ChangeAddress, RegisterResident
from civicledger.domains.residents.errors import ResidentIdNumberTakenError
from civicledger.domains.residents.resident import Resident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.ops.processes import free_port
from tests.conftest import MASTER_KEY, new_id_number
from tests.ops.proxy import AnswerLosingProxy

CLERK = Actor(id="cw-bridge", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")


class Bridged:
    """A registry whose commands run as the runtime runs them, and a count of the appends asyncpg made."""

    def __init__(self, params: ConnectionParams, *, retry_s: float = 15.0) -> None:
        self.params = params
        self.ledger = Ledger(params, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=2, max_overflow=2,
                             retry=RetryPolicy(window_s=retry_s))
        self.registry = ResidentRegistry(self.ledger)
        self.threads = CommandThreads(2, name="test-command")
        self.pool: WriterConnections | None = None
        self.async_appends = 0
        self.async_reads = 0
        self.async_key_reads = 0

    async def start(self) -> Bridged:
        params = self.params
        self.pool = WriterConnections(lambda: asyncpg.connect(params.url, **params.asyncpg_kwargs()), 2)
        self.ledger.recorder.writer_pool = self.pool
        append = self.ledger.recorder._append_async

        async def counted(*args: Any) -> Any:
            self.async_appends += 1
            return await append(*args)

        self.ledger.recorder._append_async = counted  # type: ignore[method-assign]
        read = self.ledger.recorder._select_events_async

        async def counted_read(*args: Any, **kwargs: Any) -> Any:
            self.async_reads += 1
            return await read(*args, **kwargs)

        self.ledger.recorder._select_events_async = counted_read  # type: ignore[method-assign]
        read_keys = self.ledger.keyring.read_async
        assert read_keys is not None

        async def counted_keys(subjects: Any) -> Any:
            rows = await read_keys(subjects)
            self.async_key_reads += rows is not None
            return rows

        self.ledger.keyring.read_async = counted_keys
        return self

    async def run(self, fn: Any, *args: Any) -> Any:
        return await bridge.run(fn, *args, offload=self.threads.run)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
        self.threads.shutdown()
        self.ledger.close()


def registration(id_number: str | None = None) -> RegisterResident:
    return RegisterResident(name="王芳", id_number=id_number or new_id_number(), district="HAIZHU", street="江海街",
                            community="红卫社区")


def count(params: ConnectionParams, sql: str, *args: Any) -> int:
    with psycopg.connect(**params.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        row = conn.execute(sql, args).fetchone()
    return int(row[0]) if row else 0


@pytest.fixture
async def bridged(scratch_db: ConnectionParams) -> AsyncIterator[Bridged]:
    b = await Bridged(scratch_db).start()
    try:
        yield b
    finally:
        await b.close()


async def test_a_bridged_command_appends_with_asyncpg_and_its_repeat_is_its_replay(bridged: Bridged) -> None:
    cmd = registration()
    ctx = CommandContext(actor=CLERK, idempotency_key="bridge-intake-1", origin="test")

    first = await bridged.run(bridged.registry.register_resident, cmd, ctx)
    again = await bridged.run(bridged.registry.register_resident, cmd, ctx)

    assert bridged.async_appends == 2  # the second one met the key's unique index and wrote nothing
    assert first.positions and not first.replayed
    assert again.replayed and again.positions == first.positions and again.stream_id == first.stream_id
    assert count(bridged.params, "SELECT count(*) FROM events WHERE idempotency_key = %s", "bridge-intake-1") == 1
    # what was written reads back through the same service (the stream read with asyncpg, on the loop)
    moved = await bridged.run(bridged.registry.change_address,
                              ChangeAddress(first.stream_id, "HAIZHU", "南华西街", "龙庆社区", expected_version=1),
                              CommandContext(actor=CLERK, origin="test"))
    assert moved.version == 2 and moved.position > first.position


async def test_a_taken_id_number_and_a_lost_race_are_conflicts(bridged: Bridged) -> None:
    number = new_id_number()
    await bridged.run(bridged.registry.register_resident, registration(number), CommandContext(actor=CLERK))
    with pytest.raises(ResidentIdNumberTakenError):
        await bridged.run(bridged.registry.register_resident, registration(number), CommandContext(actor=CLERK))

    recorded = await bridged.run(bridged.registry.register_resident, registration(), CommandContext(actor=CLERK))
    registry = bridged.registry
    ctx = CommandContext(actor=CLERK, origin="test")

    def decide_while_another_writes() -> Any:
        mine = registry._get(Resident, recorded.stream_id)  # version 1
        registry.change_address(ChangeAddress(recorded.stream_id, "HAIZHU", "滨江街", "海幢社区"), ctx)  # wins
        mine.change_address("HAIZHU", "南华西街", "龙庆社区")
        return registry._save(mine, ctx=ctx, command=None)

    with pytest.raises(ConflictError) as raised:
        await bridged.run(decide_while_another_writes)
    assert raised.value.extensions()["code"] == "CONFLICT"
    assert count(bridged.params, "SELECT count(*) FROM events WHERE originator_id = %s", recorded.stream_id) == 2


async def test_a_bridged_stream_read_is_the_librarys_read(bridged: Bridged) -> None:
    recorded = await bridged.run(bridged.registry.register_resident, registration(), CommandContext(actor=CLERK))
    for street in ("滨江街", "南华西街", "海幢街"):
        await bridged.run(bridged.registry.change_address, ChangeAddress(recorded.stream_id, "HAIZHU", street, "社区"),
                          CommandContext(actor=CLERK))
    recorder = bridged.ledger.recorder
    shapes: list[dict[str, Any]] = [{}, {"gt": 1}, {"lte": 3}, {"gt": 1, "lte": 3}, {"desc": True, "limit": 2},
                                    {"gt": 2, "desc": True}, {"limit": 1}]

    for shape in shapes:
        bridged_read = await bridged.run(functools.partial(recorder.select_events, recorded.stream_id, **shape))
        library_read = recorder.select_events(recorded.stream_id, **shape)  # psycopg, outside the bridge
        assert bridged_read == library_read, shape
    assert await bridged.run(recorder.select_events, uuid.uuid4()) == []
    other = await bridged.run(bridged.registry.register_resident, registration(), CommandContext(actor=CLERK))
    streams = [other.stream_id, uuid.uuid4(), recorded.stream_id]
    assert await bridged.run(recorder.select_streams, streams) == recorder.select_streams(streams)
    assert bridged.async_reads == 3 + len(shapes) + 1  # every bridged read was asyncpg's (3 by the commands)


async def test_a_bridged_command_reads_a_key_it_does_not_hold_with_asyncpg(bridged: Bridged) -> None:
    recorded = await bridged.run(bridged.registry.register_resident, registration(), CommandContext(actor=CLERK))
    bridged.ledger.keyring.clear()  # (as after a reconnect: every key is read again)

    moved = await bridged.run(bridged.registry.change_address,
                              ChangeAddress(recorded.stream_id, "HAIZHU", "南华西街", "龙庆社区", expected_version=1),
                              CommandContext(actor=CLERK))
    resident = await bridged.run(bridged.registry.get_resident, recorded.stream_id)

    assert moved.version == 2 and bridged.async_key_reads == 1
    assert resident.name == "王芳" and resident.street == "南华西街"  # decrypted with the key read on the loop


@pytest.fixture
async def through_proxy(scratch_db: ConnectionParams) -> AsyncIterator[tuple[Bridged, AnswerLosingProxy]]:
    Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=1).close()  # the tables
    proxy = AnswerLosingProxy((scratch_db.host, scratch_db.port), free_port(18040, 18048))
    proxied = ConnectionParams(scratch_db.dbname, "127.0.0.1", proxy.port, scratch_db.user, scratch_db.password)
    b = await Bridged(proxied, retry_s=5).start()
    try:
        yield b, proxy
    finally:
        await b.close()
        proxy.close()


async def test_a_lost_answer_to_a_bridged_append_is_settled_exactly_once(
        through_proxy: tuple[Bridged, AnswerLosingProxy], scratch_db: ConnectionParams) -> None:
    bridged, proxy = through_proxy
    await bridged.run(bridged.registry.register_resident, registration(), CommandContext(actor=CLERK))  # warm
    # The append's parameters carry the key (in its idempotency record): the answer to that message is lost.
    proxy.lose_next_answer_to(b"bridge-doubt-1")
    keyed = CommandContext(actor=CLERK, idempotency_key="bridge-doubt-1", origin="test")

    recorded = await bridged.run(bridged.registry.register_resident, registration(), keyed)

    assert proxy.cuts == 1
    assert recorded.replayed  # its own first attempt, found by the retry
    assert count(scratch_db, "SELECT count(*) FROM events WHERE idempotency_key = %s", "bridge-doubt-1") == 1

    before = count(scratch_db, "SELECT count(*) FROM events")
    proxy.lose_next_answer_to(b"origin-doubt-nokey")
    with pytest.raises(DatabaseUnavailableError) as raised:
        await bridged.run(bridged.registry.register_resident, registration(),
                          CommandContext(actor=CLERK, origin="origin-doubt-nokey"))
    assert raised.value.extensions()["retryable"] is True
    assert proxy.cuts == 2
    assert count(scratch_db, "SELECT count(*) FROM events") == before + 1  # committed once; the client was told
