"""Backups restore to a database that verifies and rebuilds to the same read models (docs/OPERATIONS.md).

A throwaway cluster with WAL archiving is loaded through the real services (the demo loader: residents,
households, assistance and linkage), sealed with a checkpoint and backed up; more is written, a named restore
point taken, and then "a mistake" written after it. Point-in-time recovery to the restore point gives exactly
the read models the original had at that point, `civicledger verify` finds nothing, and `civicledger rebuild`
gives them again. A `pg_dump`/`pg_restore` copy does the same for the original's final state."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from civicledger.core.db import ConnectionParams
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.commands import AddHouseholdMember, EstablishHousehold, RegisterResident
from civicledger.ops.checksums import read_model_checksums
from civicledger.ops.cluster import LocalCluster, base_backup, restore_to_point, run_pg
from civicledger.ops.processes import free_port, give_to_postgres, work_directory
from civicledger.runtime import Runtime
from tests.conftest import MASTER_KEY, make_settings, new_id_number

CHECKPOINT_SEED = bytes(range(100, 132))
CLERK = Actor(id="cw-backup", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
BIN = Path(sys.executable).parent


def civicledger(params: ConnectionParams, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": params.url, "CIVICLEDGER_DATA_DIR": str(data_dir),
           "CIVICLEDGER_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(),
           "CIVICLEDGER_CHECKPOINT_KEY": base64.b64encode(CHECKPOINT_SEED).decode()}
    return subprocess.run([str(BIN / "civicledger"), *args], env=env, capture_output=True, text=True, timeout=300)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


async def write_a_household(params: ConnectionParams, tag: str) -> int:
    """Two residents and their household through the registry; projections caught up; the last position."""
    runtime = Runtime(make_settings(checkpoint_key=CHECKPOINT_SEED), params)
    # Read models only: the process managers would act on the demo's log here (file the casework cases its
    # referrals ask for) and write after `last`.
    await runtime.start(run_projections=False, run_processes=False)
    try:
        registry = runtime.services.residents
        ctx = CommandContext(actor=CLERK, reason=None, idempotency_key=None, origin="backup-test")
        ids = [registry.register_resident(RegisterResident(name=f"{tag}{n}", id_number=new_id_number(),
                                                           district="HAIZHU", street="江海街", community="红卫社区"),
                                          ctx).stream_id for n in ("甲", "乙")]
        household = registry.establish_household(EstablishHousehold(head_id=ids[0]), ctx).stream_id
        last = registry.add_household_member(AddHouseholdMember(household_id=household, resident_id=ids[1],
                                                                relationship="SPOUSE"), ctx)
        assert runtime.runner is not None
        await runtime.runner.catch_up()
        return last.position
    finally:
        await runtime.close()


async def test_a_restored_backup_verifies_and_rebuilds_to_the_same_read_models() -> None:
    with work_directory("civicledger-backup-test") as tmp_path:
        await backup_and_restore(tmp_path)


async def backup_and_restore(tmp_path: Path) -> None:
    archive = tmp_path / "wal-archive"
    original = LocalCluster(tmp_path / "original", free_port(5520, 5529))
    restored: LocalCluster | None = None
    try:
        original.init(archive_to=archive).start()
        db = original.create_database("civicledger")
        ok(civicledger(db, "demo", "--load-only", "--residents", "30", data_dir=tmp_path))
        ok(civicledger(db, "checkpoint", data_dir=tmp_path))
        base_backup(original, tmp_path / "base")
        point = await write_a_household(db, "备份后")
        at_point = read_model_checksums(db)
        original.execute("SELECT pg_create_restore_point('before-the-mistake')")
        await write_a_household(db, "误录")
        original.execute("SELECT pg_switch_wal()")
        final = read_model_checksums(db)

        restored = restore_to_point(tmp_path / "base", archive, tmp_path / "restored", free_port(5530, 5539),
                                    target_name="before-the-mistake")
        copy = restored.params("civicledger")

        assert read_model_checksums(copy) == at_point != final
        assert restored.execute("SELECT max(notification_id) FROM events", "civicledger") == [(point,)]
        print(ok(civicledger(copy, "verify", data_dir=tmp_path)))
        ok(civicledger(copy, "rebuild", data_dir=tmp_path))
        assert read_model_checksums(copy) == at_point

        dump = tmp_path / "civicledger.dump"
        give_to_postgres(tmp_path)
        run_pg(["pg_dump", "-h", "127.0.0.1", "-p", str(original.port), "-U", "postgres", "-Fc", "-f", str(dump),
                "civicledger"])
        dumped = restored.create_database("from_dump")
        run_pg(["pg_restore", "-h", "127.0.0.1", "-p", str(restored.port), "-U", "postgres", "-d", "from_dump",
                "--no-owner", str(dump)])

        assert read_model_checksums(dumped) == final
        ok(civicledger(dumped, "verify", data_dir=tmp_path))
        ok(civicledger(dumped, "rebuild", data_dir=tmp_path))
        assert read_model_checksums(dumped) == final
    finally:
        if restored is not None:
            restored.close()
        original.close()
