"""Upgrading a log written before the keyed scheme (`legacy_log.sql`: the previous code's own tables and rows).

Stored events are never rewritten: they keep their unkeyed chain, and the first checkpoint of the keyed scheme
seals them as the legacy range. The log verifies clean before and after that checkpoint; what comes after it
is keyed; a legacy event rewritten and re-chained is still found by the checkpoints that sealed it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio

from civicledger.core.db import ConnectionParams
from civicledger.domains.residents.commands import RegisterResident
from civicledger.inspection.checkpoints import FORMAT, FORMAT_1
from civicledger.inspection.findings import CHECKPOINT_MISMATCH, UNKEYED_EVENT
from civicledger.runtime import Runtime
from tests.conftest import new_id_number
from tests.dbutil import fresh_database
from tests.inspection.helpers import ctx, kinds_and_places, runtime_on, sql
from tests.reliability.tamper import SMALL, rewrite_chain, seal_all_of_it

LEGACY = Path(__file__).with_name("legacy_log.sql")


@pytest.fixture
def legacy_db() -> Iterator[ConnectionParams]:
    with fresh_database("tamper_legacy") as params:
        with psycopg.connect(**params.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(LEGACY.read_text(encoding="utf-8"))  # type: ignore[arg-type]
        yield params


@pytest_asyncio.fixture
async def upgraded(legacy_db: ConnectionParams, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with runtime_on(legacy_db, data_dir=tmp_path, **SMALL) as runtime:
        yield runtime


async def test_a_log_from_before_the_keyed_scheme_verifies_clean_and_its_first_keyed_checkpoint_seals_it(
        upgraded: Runtime) -> None:
    runtime = upgraded
    legacy_events = (await sql(runtime, "SELECT count(*) AS n FROM events WHERE event_mac IS NULL"))[0]["n"]

    before = await runtime.inspection.verify()
    await seal_all_of_it(runtime)
    sealed = await runtime.inspection.verify()
    await runtime.run(runtime.services.residents.register_resident,
                      RegisterResident(name="祁新", id_number=new_id_number(), district="HAIZHU", street="江海街",
                                       community="红卫社区"), ctx())
    await seal_all_of_it(runtime)
    after = await runtime.inspection.verify()
    formats = [r["format"] for r in await sql(runtime, "SELECT format FROM log_checkpoints ORDER BY seq")]
    first_keyed = (await sql(runtime, "SELECT legacy_upto FROM log_checkpoints WHERE format = $1 ORDER BY seq"
                                      " LIMIT 1", FORMAT))[0]["legacy_upto"]
    newest_legacy = (await sql(runtime, "SELECT max(notification_id) AS p FROM events WHERE event_mac IS NULL"))[0]

    assert legacy_events == 12  # every stored event, untouched
    for report in (before, sealed, after):
        assert report.ok, report.render()
    assert sealed.unwitnessed_events == 0 and after.unwitnessed_events == 0
    assert formats[:2] == [FORMAT_1, FORMAT_1] and set(formats[2:]) == {FORMAT}
    assert first_keyed == newest_legacy["p"]
    # The side records from before (one read, one idempotency record, six keys, one erased) are sealed too.
    assert sealed.side_rows == {"personal_data_reads": 1, "idempotency_keys": 1, "key_created": 6, "key_erased": 1}
    assert sum(sealed.unsealed_side_rows.values()) == 0


async def test_legacy_events_stay_covered_and_new_ones_cannot_pass_as_legacy(upgraded: Runtime) -> None:
    runtime = upgraded
    await seal_all_of_it(runtime)
    recorded = await runtime.run(runtime.services.residents.register_resident,
                                 RegisterResident(name="祁新", id_number=new_id_number(), district="HAIZHU",
                                                  street="江海街", community="红卫社区"), ctx())
    await seal_all_of_it(runtime)
    legacy = (await sql(runtime, "SELECT originator_id FROM events WHERE notification_id = 1"))[0]["originator_id"]
    last_legacy = (await sql(runtime, "SELECT originator_id FROM events WHERE event_mac IS NULL"
                                      " ORDER BY notification_id DESC LIMIT 1"))[0]["originator_id"]

    # A legacy event (sealed by a format-1 checkpoint), one sealed only by the first keyed checkpoint, and a
    # new event whose MAC is stripped: each rewritten and re-chained with the published algorithm.
    for stream in (legacy, last_legacy):
        await rewrite_chain(runtime, stream, "UPDATE events SET reason = 'moved away' WHERE originator_id = $1"
                                             " AND originator_version = 1")
    await rewrite_chain(runtime, recorded.stream_id, "UPDATE events SET reason = 'moved away', event_mac = NULL"
                                                     " WHERE originator_id = $1")
    report = await runtime.inspection.verify()

    kinds = kinds_and_places(report)
    assert (UNKEYED_EVENT, recorded.stream_id, 1, recorded.position) in kinds
    assert {f.checkpoint for f in report.findings if f.kind == CHECKPOINT_MISMATCH} >= {1, 3}, report.render()


async def test_the_unkeyed_append_is_gone(upgraded: Runtime) -> None:
    with pytest.raises(psycopg.errors.UndefinedFunction):
        await asyncio.to_thread(_old_append, upgraded.params)


def _old_append(params: ConnectionParams) -> None:
    with psycopg.connect(**params.psycopg_kwargs(), autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute("SELECT civic_append_events_1(gen_random_uuid(), 1, 't', '\\x00'::bytea, '\\x00'::bytea,"
                     " ARRAY[]::text[], NULL)")
