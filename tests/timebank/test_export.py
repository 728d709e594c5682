"""Verified service records exported for the social-credit system: signed with the checkpoint key the way the
audit-trail export is, verified from the file alone; any edit, removal or re-signing is found."""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from civicledger.inspection.signing import Signer, encode_key
from civicledger.inspection.timebank_export import (
    DOCUMENT_SIGNATURE,
    RECORD_DIGEST,
    TOTALS,
    build_timebank_export,
    record_digest,
    verify_timebank_export,
)
from civicledger.runtime import Runtime
from tests.conftest import MASTER_KEY
from tests.timebank.conftest import World, event_count

SIGNER = Signer(bytes(range(100, 132)))
MALLORY = Signer(bytes(range(1, 33)))


async def an_export(runtime: Runtime, world: World) -> tuple[dict[str, Any], str, str]:
    """Two verified records and a pending one; the export once the read models show them."""
    volunteer = world.volunteer()
    first = world.verified(volunteer, "3")
    world.record(volunteer, "2")  # pending: never exported
    second = world.verified(volunteer, "1.5")
    await runtime.positions.wait_for(event_count(world.timebank.ledger), timeout=10)
    async with runtime.pool.acquire() as conn:
        doc = await build_timebank_export(conn, SIGNER, generated_by={"id": "test", "role": "operator"})
    return doc, str(first), str(second)


def kinds(doc: dict[str, Any], *keys: bytes) -> set[str]:
    return {f.kind for f in verify_timebank_export(doc, keys).findings}


async def test_the_export_holds_the_verified_records_and_verifies(runtime: Runtime, world: World) -> None:
    doc, first, second = await an_export(runtime, world)

    result = verify_timebank_export(doc, [SIGNER.public_key])

    assert result.ok, result.render()
    ours = {r["recordId"]: r for r in doc["records"] if r["recordId"] in (first, second)}
    assert [ours[first]["hours"], ours[second]["hours"]] == ["3.00", "1.50"]
    assert all(r["verificationChainHash"] for r in ours.values())
    assert not any(r["hours"] == "2.00" and r["residentId"] == ours[first]["residentId"] for r in doc["records"])
    assert "name" not in json.dumps(doc["records"][0]).lower().replace("organisername", "")


async def test_an_edited_record_is_found(runtime: Runtime, world: World) -> None:
    doc, first, _ = await an_export(runtime, world)
    tampered = copy.deepcopy(doc)
    record = next(r for r in tampered["records"] if r["recordId"] == first)

    record["hours"] = "12.00"

    assert {DOCUMENT_SIGNATURE, RECORD_DIGEST, TOTALS} <= kinds(tampered, SIGNER.public_key)
    record["recordDigest"] = record_digest(record)  # a careful forger recomputes the record's digest ...
    tampered["totalHours"] = f"{sum(float(r['hours']) for r in tampered['records']):.2f}"
    assert kinds(tampered, SIGNER.public_key) == {DOCUMENT_SIGNATURE}  # ... but cannot sign


async def test_a_removed_record_is_found(runtime: Runtime, world: World) -> None:
    doc, first, _ = await an_export(runtime, world)
    tampered = copy.deepcopy(doc)

    tampered["records"] = [r for r in tampered["records"] if r["recordId"] != first]

    assert {DOCUMENT_SIGNATURE, TOTALS} <= kinds(tampered, SIGNER.public_key)


async def test_a_document_re_signed_with_another_key_fails_against_the_published_key(
        runtime: Runtime, world: World) -> None:
    doc, first, _ = await an_export(runtime, world)
    forged = copy.deepcopy(doc)
    next(r for r in forged["records"] if r["recordId"] == first)["hours"] = "12.00"
    import hashlib

    from civicledger.inspection.export import canonical

    for r in forged["records"]:
        r["recordDigest"] = record_digest(r)
    forged["totalHours"] = f"{sum(float(r['hours']) for r in forged['records']):.2f}"
    forged["recordCount"] = len(forged["records"])
    forged["publicKey"] = encode_key(MALLORY.public_key)
    digest = hashlib.sha256(canonical(forged)).digest()
    forged["documentHash"], forged["signature"] = digest.hex(), MALLORY.sign(digest).hex()

    assert kinds(forged) == set()  # self-consistent ...
    assert kinds(forged, SIGNER.public_key) == {DOCUMENT_SIGNATURE}  # ... but not signed by the published key


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "civicledger.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})}, cwd=Path(__file__).parents[2])


async def test_the_cli_exports_and_verifies_offline(runtime: Runtime, world: World, tmp_path: Path) -> None:
    _, first, _ = await an_export(runtime, world)  # the read models show the records
    seed = base64.b64encode(SIGNER.seed).decode()
    out = tmp_path / "timebank.json"
    env = {"DATABASE_URL": runtime.params.url, "CIVICLEDGER_DATA_DIR": str(tmp_path / "data"),
           "CIVICLEDGER_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(), "CIVICLEDGER_CHECKPOINT_KEY": seed}

    exported = _cli("timebank-export", "--out", str(out), "--district", "HAIZHU", env=env)
    verified = _cli("timebank-verify-export", str(out), "--public-key", encode_key(SIGNER.public_key))

    assert exported.returncode == 0, exported.stderr
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK: the document verifies" in verified.stdout
    assert first in out.read_text(encoding="utf-8")
    tampered = json.loads(out.read_text(encoding="utf-8"))
    tampered["records"][0]["servedOn"] = "2026-01-01"
    out.write_text(json.dumps(tampered), encoding="utf-8")
    refused = _cli("timebank-verify-export", str(out))
    assert refused.returncode == 1
    assert RECORD_DIGEST in refused.stdout and DOCUMENT_SIGNATURE in refused.stdout


@pytest.mark.parametrize("doc", [{}, {"format": "civicledger-timebank-records/1"}, {"format": "x"}])
def test_a_malformed_document_is_a_finding_not_a_crash(doc: dict[str, Any]) -> None:
    assert not verify_timebank_export(doc).ok
