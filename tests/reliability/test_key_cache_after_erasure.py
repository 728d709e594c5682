"""A resident's data key, erased by one process, is not used by another that still has it cached — also when
that process's listener was cut at the moment of the erasure (the announcement may then be lost)."""

from __future__ import annotations

import asyncio
import uuid

from civicledger.core.db import ConnectionParams
from civicledger.domains.residents.commands import EraseResident, RegisterResident
from civicledger.runtime import Runtime
from tests.conftest import new_id_number
from tests.inspection.helpers import DATA_PROTECTION_OFFICER, ctx, runtime_on, sql


async def a_resident_whose_key_is_cached(runtime: Runtime) -> uuid.UUID:
    runtime.ledger.keyring.ttl = 3600.0  # nothing but an eviction would make this process look again
    recorded = await asyncio.to_thread(runtime.services.residents.register_resident, RegisterResident(
        name="缓存钥匙", id_number=new_id_number(), district="HAIZHU", street="江海街", community="红卫社区"), ctx())
    assert await asyncio.to_thread(runtime.ledger.keyring.key_for_decryption, recorded.stream_id) is not None
    return recorded.stream_id


async def erase(runtime: Runtime, resident_id: uuid.UUID) -> None:
    await asyncio.to_thread(runtime.services.residents.erase_resident,
                            EraseResident(resident_id, "PIPL-2026-0108"),
                            ctx(DATA_PROTECTION_OFFICER, reason="consent withdrawn"))


async def key_once_settled(runtime: Runtime, resident_id: uuid.UUID, timeout: float = 10.0) -> bytes | None:
    """The key this process would use, once it is gone or `timeout` has passed (an eviction is asynchronous)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        key = await asyncio.to_thread(runtime.ledger.keyring.key_for_decryption, resident_id)
        if key is None or asyncio.get_running_loop().time() > deadline:
            return key
        await asyncio.sleep(0.1)


async def test_a_key_erased_elsewhere_is_forgotten_here(cluster_database: ConnectionParams) -> None:
    async with runtime_on(cluster_database) as here, runtime_on(cluster_database) as elsewhere:
        resident = await a_resident_whose_key_is_cached(here)

        await erase(elsewhere, resident)

        assert await key_once_settled(here, resident) is None


async def test_a_key_erased_while_the_listener_is_cut_is_not_used_here(cluster_database: ConnectionParams) -> None:
    async with runtime_on(cluster_database) as here, runtime_on(cluster_database) as elsewhere:
        resident = await a_resident_whose_key_is_cached(here)

        await sql(elsewhere, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE application_name = 'civicledger-listener' AND datname = current_database()")
        await erase(elsewhere, resident)

        assert await key_once_settled(here, resident) is None
