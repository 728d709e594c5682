"""Tamper evidence: rows altered, deleted, forged and swapped directly in SQL are each found, with where.

Each test records a small world on a database of its own, seals it with a signed checkpoint, tampers, and
reads the verifier's findings as (kind, stream, version, position).

Since the keyed scheme (docs/THREAT-MODEL.md), an event whose contents changed is found by its keyed MAC
(MAC_MISMATCH) and an event inserted without the key by its missing MAC (UNKEYED_EVENT), where the unkeyed
chain used to be the evidence (CHAIN_MISMATCH); checkpoints are format 2. The attacks of the window before
sealing are in tests/reliability/test_tamper_window.py."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from civicledger import cli
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.integrity import META_COLUMNS, ZERO_HASH, chain_hash, event_digest
from civicledger.inspection import sides
from civicledger.inspection.checkpoints import Checkpoint
from civicledger.inspection.sealing import Checkpointer
from civicledger.inspection.verify import (
    CHECKPOINT_INVALID,
    CHECKPOINT_MISMATCH,
    EXTERNAL_CHECKPOINT_MISMATCH,
    LOG_ORDER,
    MAC_MISMATCH,
    MISSING_EVENT,
    STREAM_ORDER,
    UNEXPECTED_EVENT,
    UNKEYED_EVENT,
    VERSION_GAP,
    WITNESS_MISMATCH,
)
from civicledger.inspection.witness import FileWitness
from civicledger.runtime import Runtime
from tests.conftest import MASTER_KEY
from tests.inspection.helpers import (
    World,
    kinds_and_places,
    record_world,
    row_at,
    runtime_on,
    seal_everything,
    sql,
)


@pytest_asyncio.fixture
async def sealed(scratch_db: ConnectionParams) -> AsyncIterator[tuple[Runtime, World, list[Checkpoint]]]:
    async with runtime_on(scratch_db) as runtime:
        world = await asyncio.to_thread(record_world, runtime)
        yield runtime, world, await seal_everything(runtime)


Sealed = tuple[Runtime, World, list[Checkpoint]]


async def swap_positions(runtime: Runtime, a: int, b: int) -> None:
    await sql(runtime, "UPDATE events SET notification_id = -1 WHERE notification_id = $1", a)
    await sql(runtime, "UPDATE events SET notification_id = $1 WHERE notification_id = $2", a, b)
    await sql(runtime, "UPDATE events SET notification_id = $1 WHERE notification_id = -1", b)


async def recompute_chain(runtime: Runtime, stream_id: Any) -> None:
    """What an attacker who knows the (public) algorithm does after editing a payload."""
    previous = ZERO_HASH
    for r in await sql(runtime, "SELECT * FROM events WHERE originator_id = $1 ORDER BY originator_version",
                       stream_id):
        digest = event_digest(stream_id, r["originator_version"], r["topic"], bytes(r["state"]),
                              [r[c] for c in META_COLUMNS])
        previous = chain_hash(previous, digest)
        await sql(runtime, "UPDATE events SET chain_hash = $1 WHERE notification_id = $2", previous,
                  r["notification_id"])


async def test_an_untouched_log_verifies_and_its_gaps_are_no_finding(
        sealed: Sealed) -> None:
    runtime, _, checkpoints = sealed

    report = await runtime.inspection.verify()

    assert report.ok, report.render()
    assert any(cp.gaps for cp in checkpoints), "the failed append should have left a gap"
    assert report.events == checkpoints[-1].event_count and report.unsealed_events == 0


async def test_an_altered_payload_or_metadata_is_found_at_its_stream_version_and_position(
        sealed: Sealed) -> None:
    runtime, world, _ = sealed
    household = await row_at(runtime, world.household, 1)
    correction = await row_at(runtime, world.residents[0], 2)

    await sql(runtime, "UPDATE events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'HAIZHU',"
                       " 'PANYU'), 'UTF8') WHERE notification_id = $1", household["notification_id"])
    await sql(runtime, "UPDATE events SET reason = 'resident asked for it' WHERE notification_id = $1",
              correction["notification_id"])
    report = await runtime.inspection.verify()

    assert kinds_and_places(report) == {
        (MAC_MISMATCH, world.household, 1, household["notification_id"]),
        (MAC_MISMATCH, world.residents[0], 2, correction["notification_id"]),
    }


async def test_a_deleted_event_is_found_inside_a_stream_and_at_its_end(
        sealed: Sealed) -> None:
    runtime, world, _ = sealed
    middle = await row_at(runtime, world.residents[0], 2)
    after_it = await row_at(runtime, world.residents[0], 3)
    last = await row_at(runtime, world.residents[2], 2)

    await sql(runtime, "DELETE FROM events WHERE notification_id = ANY($1)",
              [middle["notification_id"], last["notification_id"]])
    report = await runtime.inspection.verify()

    assert kinds_and_places(report) == {
        (VERSION_GAP, world.residents[0], 3, after_it["notification_id"]),
        (MISSING_EVENT, None, None, middle["notification_id"]),
        # The end of a stream leaves no hole in its chain: only the signed checkpoint remembers it.
        (MISSING_EVENT, None, None, last["notification_id"]),
    }


async def test_a_forged_event_is_found_whether_its_hash_is_made_up_or_computed(
        sealed: Sealed) -> None:
    runtime, world, checkpoints = sealed
    [(gap, _)] = [g for cp in checkpoints for g in cp.gaps]
    template = await row_at(runtime, world.residents[3], 1)
    meta = [template[c] for c in META_COLUMNS]
    state = b'{"timestamp":"2026-01-01T00:00:00+00:00","date_of_death":"2025-12-31"}'
    topic = "civicledger.domains.residents.resident:Resident.DeathRecorded"
    computed = chain_hash(bytes(template["chain_hash"]), event_digest(world.residents[3], 2, topic, state, meta))
    columns = ", ".join(META_COLUMNS)
    insert = (f"INSERT INTO events (originator_id, originator_version, topic, state, notification_id, tx, {columns},"
              f" chain_hash) SELECT $1, $2, $3, $4, $5, {{tx}}, {columns}, $6 FROM events WHERE notification_id = $7")

    # Skilled: a correct chain hash, slipped into the position a failed append left empty.
    await sql(runtime, insert.format(tx=f"(SELECT tx FROM events WHERE notification_id = {gap - 1})"),
              world.residents[3], 2, topic, state, gap, computed, template["notification_id"])
    # Naive: appended after everything, with a made-up chain hash.
    await sql(runtime, insert.format(tx="pg_current_xact_id()"), world.residents[1], 2, topic, state, 10_000,
              bytes(32), template["notification_id"])
    report = await runtime.inspection.verify()

    assert kinds_and_places(report) == {
        (UNKEYED_EVENT, world.residents[3], 2, gap),
        (UNEXPECTED_EVENT, world.residents[3], 2, gap),
        (UNKEYED_EVENT, world.residents[1], 2, 10_000),
    }


async def test_two_events_of_different_streams_swapped_are_found_at_both_positions(
        sealed: Sealed) -> None:
    runtime, world, _ = sealed
    a = await row_at(runtime, world.residents[3], 1)
    b = await row_at(runtime, world.household, 1)

    await swap_positions(runtime, a["notification_id"], b["notification_id"])
    report = await runtime.inspection.verify()

    assert kinds_and_places(report) == {
        (LOG_ORDER, world.residents[3], 1, b["notification_id"]),
        (LOG_ORDER, world.household, 1, a["notification_id"]),
        (CHECKPOINT_MISMATCH, None, None, None),
    }


async def test_two_events_of_one_stream_swapped_are_found(sealed: Sealed) -> None:
    runtime, world, _ = sealed
    first = await row_at(runtime, world.residents[0], 1)
    second = await row_at(runtime, world.residents[0], 2)

    await swap_positions(runtime, first["notification_id"], second["notification_id"])
    report = await runtime.inspection.verify()

    assert kinds_and_places(report) == {
        (STREAM_ORDER, world.residents[0], 2, first["notification_id"]),
        (LOG_ORDER, world.residents[0], 2, first["notification_id"]),
        (LOG_ORDER, world.residents[0], 1, second["notification_id"]),
        (CHECKPOINT_MISMATCH, None, None, None),
    }


async def test_a_rewrite_that_recomputes_every_chain_is_caught_by_checkpoints_kept_inside_and_outside(
        sealed: Sealed, tmp_path: Path) -> None:
    runtime, world, checkpoints = sealed
    kept = checkpoints[-1]
    rewritten = await row_at(runtime, world.household, 1)
    await sql(runtime, "UPDATE events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'HAIZHU',"
                       " 'PANYU'), 'UTF8') WHERE originator_id = $1 AND originator_version = 1", world.household)
    await recompute_chain(runtime, world.household)

    inside = await runtime.inspection.verify()
    # Beyond the DBA of the threat model: an attacker holding the signing key rewrites the checkpoints too,
    # re-sealing with the system's own key (but not into the system's witness, which they cannot write).
    await sql(runtime, "DELETE FROM log_checkpoints")
    assert runtime.pool is not None
    await Checkpointer(runtime.pool, runtime.inspection.signer, FileWitness(tmp_path / "theirs.jsonl"),
                       runtime.ledger.receipts).seal_all()
    outside = await runtime.inspection.verify(against=kept, witness=False)
    witnessed = await runtime.inspection.verify(against=kept)

    # The keyed MAC finds the rewrite on its own; the checkpoint finds that its range changed.
    assert kinds_and_places(inside) == {(MAC_MISMATCH, world.household, 1, rewritten["notification_id"]),
                                        (CHECKPOINT_MISMATCH, None, None, None)}
    external = [f for f in outside.findings if f.kind == EXTERNAL_CHECKPOINT_MISMATCH]
    assert {f.checkpoint for f in external} == {kept.seq}
    assert len(external) == 2  # checkpoint #1 differs, and the log no longer hashes to the kept one
    # The system's witness still holds the true checkpoints: the replaced ones differ from it.
    assert (WITNESS_MISMATCH, 1) in {(f.kind, f.checkpoint) for f in witnessed.findings}


async def test_an_edited_or_forged_checkpoint_is_invalid(sealed: Sealed) -> None:
    runtime, _, checkpoints = sealed

    await sql(runtime, "UPDATE log_checkpoints SET event_count = event_count - 1 WHERE seq = $1",
              checkpoints[-1].seq)
    report = await runtime.inspection.verify(trusted_keys=[bytes(32)])

    problems = [f.message for f in report.findings if f.kind == CHECKPOINT_INVALID]
    assert any("edited" in m for m in problems) and any("not the published key" in m for m in problems)


def cli_env(monkeypatch: pytest.MonkeyPatch, params: ConnectionParams, data_dir: Path, runtime: Runtime) -> None:
    monkeypatch.setenv("DATABASE_URL", params.url)
    monkeypatch.setenv("CIVICLEDGER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CIVICLEDGER_WITNESS", runtime.settings.witness_spec)
    monkeypatch.setenv("CIVICLEDGER_MASTER_KEY", base64.b64encode(MASTER_KEY).decode())
    monkeypatch.setenv("CIVICLEDGER_CHECKPOINT_KEY", base64.b64encode(runtime.settings.checkpoint_seed).decode())


async def test_the_command_line_exits_non_zero_and_says_where(
        sealed: Sealed, scratch_db: ConnectionParams, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    runtime, world, _ = sealed
    cli_env(monkeypatch, scratch_db, tmp_path, runtime)
    kept = tmp_path / "checkpoint.json"

    exported = await asyncio.to_thread(cli.main, ["checkpoint", "--export", str(kept)])
    clean = await asyncio.to_thread(cli.main, ["verify", "--against", str(kept)])
    target = await row_at(runtime, world.household, 2)
    await sql(runtime, "UPDATE events SET actor_id = 'someone-else' WHERE notification_id = $1",
              target["notification_id"])
    capsys.readouterr()
    tampered = await asyncio.to_thread(cli.main, ["verify", "--against", str(kept)])
    output = capsys.readouterr().out

    assert (exported, clean, tampered) == (0, 0, 1)
    assert json.loads(kept.read_text())["format"] == "civicledger-checkpoint/2"
    assert "FAILED: 1 finding" in output
    assert f"stream {world.household}, version 2, position {target['notification_id']}" in output


async def test_side_rows_read_through_a_cursor_seal_as_those_read_at_once(scratch_db: ConnectionParams,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick reads its side rows in one statement; a range of more rows than a batch is read through a cursor
    instead. Here every batch is one row, so the sealer takes the cursor: the checkpoint still verifies."""
    monkeypatch.setattr(sides, "_BATCH", 1)
    async with runtime_on(scratch_db) as runtime:
        await asyncio.to_thread(record_world, runtime)
        keys = (await sql(runtime, "SELECT count(*) AS n FROM subject_keys"))[0]["n"]
        # Side rows are sealed below the transaction bound, which any open transaction on the server (another
        # test's, a rebuild's) holds back for a while: seal until every key row is under a checkpoint.
        deadline = asyncio.get_running_loop().time() + 30
        while (await seal_everything(runtime))[-1].side("key_created")[0] < keys:
            assert asyncio.get_running_loop().time() < deadline, "the side bound did not reach the key rows"
            await asyncio.sleep(0.1)
        report = await runtime.inspection.verify()
    assert report.ok, report.render()
    assert keys > 1


async def test_one_tick_seals_up_to_the_horizon_in_checkpoints_of_at_most_max_events(
        scratch_db: ConnectionParams, tmp_path: Path) -> None:
    """A tick goes on while a checkpoint stopped at `max_events` (and stops once one reached the horizon)."""
    async with runtime_on(scratch_db) as runtime:
        await asyncio.to_thread(record_world, runtime)
        assert runtime.pool is not None
        checkpoints = await Checkpointer(runtime.pool, runtime.inspection.signer, FileWitness(tmp_path / "w.jsonl"),
                                         runtime.ledger.receipts, max_events=3).seal_all()
        report = await runtime.inspection.verify(witness=False)
    sizes = [cp.event_count - prev for cp, prev in zip(checkpoints, [0, *[c.event_count for c in checkpoints]],
                                                       strict=False)]
    assert len(checkpoints) >= 2 and all(size == 3 for size in sizes[:-1]) and 0 <= sizes[-1] <= 3, sizes
    assert report.ok, report.render()


async def test_checkpoints_deleted_by_a_dba_come_back_from_the_witness_the_newest_at_once_the_rest_at_a_full_check(
        scratch_db: ConnectionParams, tmp_path: Path) -> None:
    """A tick checks that the witness's newest checkpoint is in the database (one probe) and, at its first tick
    and every `full_reconcile_interval_s`, that none of the older ones is missing (a count): it no longer fetches
    every seq ever written on every tick. Whatever went is restored from the witness, with an alarm."""
    witness = FileWitness(tmp_path / "w.jsonl")
    async with runtime_on(scratch_db) as runtime:
        await asyncio.to_thread(record_world, runtime)
        assert runtime.pool is not None
        sealer = Checkpointer(runtime.pool, runtime.inspection.signer, witness, runtime.ledger.receipts,
                              max_events=3, full_reconcile_interval_s=3600)
        checkpoints = await sealer.seal_all()
        assert len(checkpoints) >= 3
        assert sealer._log_id is not None
        seqs = "SELECT seq FROM log_checkpoints ORDER BY seq"
        every = [r["seq"] for r in await sql(runtime, seqs)]

        await sql(runtime, "DELETE FROM log_checkpoints WHERE seq = $1", every[1])  # an older one
        await sealer.seal_all()
        assert [r["seq"] for r in await sql(runtime, seqs)] == [s for s in every if s != every[1]]  # not yet
        sealer._next_full_reconcile = 0.0  # the interval has passed
        await sealer.seal_all()
        assert [r["seq"] for r in await sql(runtime, seqs)] == every

        await sql(runtime, "DELETE FROM log_checkpoints WHERE seq = $1", every[-1])  # the newest
        await sealer.seal_all()  # the next full check is an hour away
        assert [r["seq"] for r in await sql(runtime, seqs)] == every
        report = await runtime.inspection.verify(witness=False)
    assert report.ok, report.render()
    alarms = [a for a in witness.read(sealer._log_id).alarms if a["kind"] == "CHECKPOINTS_RESTORED"]
    assert [[item["seq"] for item in a["items"]] for a in alarms] == [[every[1]], [every[-1]]]
