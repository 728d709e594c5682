"""Tamper evidence with no window a database-only attacker can use (issue 10, finding 7; docs/THREAT-MODEL.md).

A DBA — full SQL, no application secret, no write access to the witness — attacks with plain SQL, once
*inside the window* (records an API process wrote moments ago, before the next checkpoint; the sealer's next
tick comes after the attack, as it would within a second) and once *after sealing*. Every attack must be
found by `civicledger verify` and by GraphQL `verifyIntegrity`, and an untouched log must verify clean.

Each test clones a template database holding a recorded, sealed and witnessed world (and copies its witness),
starts the API on it, writes the recent records through the services, attacks, and verifies both ways."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from civicledger.core.db import ConnectionParams
from civicledger.core.errors import RecordUnverifiedError
from civicledger.domains.residents.commands import RegisterResident
from civicledger.inspection.findings import (
    CHECKPOINT_MISMATCH,
    CHECKPOINT_MISSING,
    IDEMPOTENCY_MISMATCH,
    KEY_MISSING,
    MAC_MISMATCH,
    MISSING_EVENT,
    ROW_MAC_MISMATCH,
    SIDE_MISMATCH,
    WITNESS_ALARM,
)
from tests.conftest import new_id_number
from tests.dbutil import fresh_database
from tests.inspection.helpers import World, ctx, record_world, runtime_on
from tests.reliability import tamper
from tests.reliability.tamper import Recent

INSIDE = "inside the window"
AFTER = "after sealing"
Attack = Callable[[Any, Recent], Awaitable[None]]

# attack, what must be found when it comes inside the window, and when it comes after sealing
ATTACKS: list[tuple[Attack, set[str], set[str]]] = [
    (tamper.forge_event, {MAC_MISMATCH}, {MAC_MISMATCH}),
    (tamper.rewrite_and_rechain, {MAC_MISMATCH}, {MAC_MISMATCH, CHECKPOINT_MISMATCH}),
    (tamper.delete_stream_tail, {WITNESS_ALARM}, {MISSING_EVENT}),
    (tamper.reorder_positions, {WITNESS_ALARM}, {CHECKPOINT_MISMATCH}),
    (tamper.delete_checkpoints, {WITNESS_ALARM}, {CHECKPOINT_MISSING}),
    (tamper.drop_checkpoints_table, {WITNESS_ALARM}, {CHECKPOINT_MISSING}),
    (tamper.alter_read_row, {ROW_MAC_MISMATCH}, {ROW_MAC_MISMATCH, SIDE_MISMATCH}),
    (tamper.delete_read_row, {WITNESS_ALARM}, {SIDE_MISMATCH}),
    (tamper.alter_idempotency_record, {ROW_MAC_MISMATCH}, {ROW_MAC_MISMATCH, SIDE_MISMATCH}),
    (tamper.delete_idempotency_record, {IDEMPOTENCY_MISMATCH, WITNESS_ALARM}, {IDEMPOTENCY_MISMATCH, SIDE_MISMATCH}),
    (tamper.delete_key_created, {KEY_MISSING, WITNESS_ALARM}, {KEY_MISSING, SIDE_MISMATCH}),
    (tamper.delete_key_destroyed, {WITNESS_ALARM}, {SIDE_MISMATCH}),
]
Template = tuple[ConnectionParams, World, Path]


@pytest_asyncio.fixture(scope="module")
async def template(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Template]:
    """Residents with corrections and moves, a household, a failed append (a gap): sealed and witnessed."""
    data_dir = tmp_path_factory.mktemp("template")
    with fresh_database("tamper_template") as params:
        async with runtime_on(params, data_dir=data_dir, **tamper.SMALL) as runtime:
            world = await asyncio.to_thread(record_world, runtime)
            await tamper.seal_all_of_it(runtime)
        yield params, world, data_dir / "witness.jsonl"


async def verify_both_ways(runtime: Any, client: Any, params: ConnectionParams, data_dir: Path,
                           monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> tuple[tuple[bool, set[str], str], tuple[int, str]]:
    graphql = await tamper.graphql_kinds(client)
    cli = await asyncio.to_thread(tamper.cli_verify, monkeypatch, capsys, params, runtime, data_dir)
    return graphql, cli


async def test_an_untouched_log_verifies_clean_before_and_after_sealing(
        template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    params_of_template, world, witness = template
    tamper.copy_witness(witness, tmp_path)
    with tamper.cloned(params_of_template) as params:
        async with tamper.api_process(params, tmp_path) as (runtime, client):
            await tamper.write_recent(runtime, world)
            before = await verify_both_ways(runtime, client, params, tmp_path, monkeypatch, capsys)
            await tamper.seal_all_of_it(runtime)
            after = await verify_both_ways(runtime, client, params, tmp_path, monkeypatch, capsys)

    for (ok, kinds, text), (status, output) in (before, after):
        assert ok and not kinds, text
        assert status == 0 and "OK: no finding" in output, output
    assert "later events it cannot vouch for yet" in before[1][1]


async def test_a_retry_never_replays_an_idempotency_record_a_dba_altered(template: Template, tmp_path: Path) -> None:
    params_of_template, world, witness = template
    tamper.copy_witness(witness, tmp_path)
    with tamper.cloned(params_of_template) as params:
        async with tamper.api_process(params, tmp_path) as (runtime, _):
            recent = await tamper.write_recent(runtime, world)
            retry = RegisterResident(name="冯新", id_number=new_id_number(), district="HAIZHU", street="江海街",
                                     community="红卫社区")
            # The retry's answer would name another resident's stream.
            await tamper.dba(runtime, "UPDATE idempotency_keys SET result = jsonb_set(result, '{streams,0,0}',"
                                      " to_jsonb($1::text)) WHERE key = $2", str(recent.corrected),
                             tamper.IDEMPOTENCY_KEY)

            with pytest.raises(RecordUnverifiedError) as refused:
                await runtime.run(runtime.services.residents.register_resident, retry,
                                  ctx(idempotency_key=tamper.IDEMPOTENCY_KEY))

    assert refused.value.code == "INTEGRITY_FAILURE"


@pytest.mark.parametrize("window", [INSIDE, AFTER])
@pytest.mark.parametrize(("attack", "inside", "after"), ATTACKS, ids=[a.__name__ for a, _, _ in ATTACKS])
async def test_the_attack_is_found_by_verify_and_verify_integrity(
        template: Template, window: str, attack: Attack, inside: set[str], after: set[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    params_of_template, world, witness = template
    tamper.copy_witness(witness, tmp_path)
    expected = inside if window == INSIDE else after
    with tamper.cloned(params_of_template) as params:
        async with tamper.api_process(params, tmp_path) as (runtime, client):
            recent = await tamper.write_recent(runtime, world)
            if window == AFTER:
                await tamper.seal_all_of_it(runtime)
            await attack(runtime, recent)
            if window == INSIDE:
                await runtime.inspection.seal()  # the sealer's next tick, within a second of the writes
            (ok, kinds, text), (status, output) = await verify_both_ways(runtime, client, params, tmp_path,
                                                                         monkeypatch, capsys)

    assert not ok and expected <= kinds, text
    assert status == 1 and all(kind in output for kind in expected), output
