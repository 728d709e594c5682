"""Exports: a resident's or a case's audit trail as a signed document that verifies itself from the JSON alone,
and stops verifying — saying where — when anything in it is edited."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from civicledger import cli
from civicledger.core.db import ConnectionParams
from civicledger.inspection.export import (
    DIGEST_MISMATCH,
    DOCUMENT_SIGNATURE,
    INCLUSION_FAILED,
    PAYLOAD_MISMATCH,
    canonical,
    load_document,
    verify_export,
)
from civicledger.inspection.signing import Signer
from civicledger.inspection.verify import CHAIN_MISMATCH, CHECKPOINT_INVALID, VERSION_GAP
from civicledger.runtime import Runtime
from tests.api.helpers import register
from tests.conftest import CASEWORKER_HAIZHU, GQL, INSPECTOR, MASTER_KEY
from tests.inspection.helpers import PURPOSE, seal_everything

EXPORT = """query($r: ID, $s: ID) { exportAuditTrail(residentId: $r, streamId: $s) { document documentHash keyId
  eventCount html } }"""


async def a_household_of_two(gql: GQL) -> dict[str, Any]:
    head = await register(gql, as_=CASEWORKER_HAIZHU, name="谭伟文")
    spouse = await register(gql, as_=CASEWORKER_HAIZHU, name="苏敏")
    household = await gql("mutation($i: EstablishHouseholdInput!) { establishHousehold(input: $i) { householdId } }",
                          {"i": {"headId": head["resident"]["id"]}})
    household_id = household["data"]["establishHousehold"]["householdId"]
    added = await gql("mutation($i: AddHouseholdMemberInput!) { addHouseholdMember(input: $i) { position } }",
                      {"i": {"householdId": household_id, "residentId": spouse["resident"]["id"],
                             "relationship": "SPOUSE"}})
    return {"head": head, "spouse": spouse, "household": household_id,
            "position": added["data"]["addHouseholdMember"]["position"]}


async def exported(gql: GQL, **ids: str) -> dict[str, Any]:
    body = await gql(EXPORT, {"r": ids.get("resident"), "s": ids.get("stream")}, as_=INSPECTOR,
                     headers=ids.get("headers"), extensions={"minPosition": int(ids.get("position", 0))})
    assert "errors" not in body, body
    return body["data"]["exportAuditTrail"]  # type: ignore[no-any-return]


def findings(doc: dict[str, Any]) -> set[tuple[str, str | None, int | None]]:
    return {(f.kind, str(f.stream_id) if f.stream_id else None, f.version) for f in verify_export(doc).findings}


async def test_a_residents_audit_trail_across_streams_verifies_itself(gql: GQL, runtime: Runtime,
                                                                      tmp_path: Path) -> None:
    world = await a_household_of_two(gql)
    await seal_everything(runtime)

    export = await exported(gql, resident=world["spouse"]["residentId"], position=world["position"])
    page = tmp_path / "trail.html"
    page.write_text(export["html"], encoding="utf-8")

    doc = export["document"]
    assert [(s["streamId"], len(s["events"])) for s in doc["streams"]] == [
        (world["spouse"]["residentId"], 1), (world["household"], 2)]
    assert all(e["inclusion"] is not None for s in doc["streams"] for e in s["events"])
    result = verify_export(doc)
    assert result.ok, result.render()
    assert verify_export(load_document(page)).ok
    assert "苏敏" not in export["html"] and "Household" in export["html"]  # no purpose stated: masked


async def test_a_purpose_shows_personal_data_in_the_export_and_the_read_is_logged(gql: GQL, runtime: Runtime) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU, name="邝美玲")

    doc = (await exported(gql, stream=resident["residentId"], headers=PURPOSE))["document"]

    assert doc["streams"][0]["events"][0]["payload"]["name"] == "邝美玲" and doc["purpose"] == PURPOSE["X-Access-Purpose"]
    assert verify_export(doc).ok
    async with runtime.pool.acquire() as conn:
        fields = await conn.fetchval("SELECT fields FROM personal_data_reads WHERE resident_id = $1"
                                     " AND reader_role = 'inspector'", resident["residentId"])
    assert "export.name" in fields


async def test_an_edited_export_fails_and_says_where(gql: GQL, runtime: Runtime) -> None:
    world = await a_household_of_two(gql)
    await seal_everything(runtime)
    doc = (await exported(gql, resident=world["head"]["residentId"], position=world["position"]))["document"]

    def edited(change: Any) -> dict[str, Any]:
        copy_ = copy.deepcopy(doc)
        change(next(s for s in copy_["streams"] if s["streamId"] == world["household"]), copy_)
        return copy_

    hh = world["household"]
    payload = edited(lambda s, d: s["events"][0]["payload"].update(district="PANYU"))
    stored = edited(lambda s, d: s["events"][0].update(storedState=s["events"][0]["storedState"].replace("HAIZHU",
                                                                                                        "PANYU")))
    dropped_last = edited(lambda s, d: s["events"].pop())
    dropped_first = edited(lambda s, d: s["events"].pop(0))
    forged_proof = edited(lambda s, d: s["events"][1]["inclusion"]["path"].append("00" * 32))
    bad_checkpoint = edited(lambda s, d: d["checkpoints"][0].update(eventCount=d["checkpoints"][0]["eventCount"] + 1))

    assert findings(payload) == {(PAYLOAD_MISMATCH, hh, 1), (DOCUMENT_SIGNATURE, None, None)}
    assert {(DIGEST_MISMATCH, hh, 1), (DOCUMENT_SIGNATURE, None, None)} <= findings(stored)
    assert findings(dropped_last) == {(DOCUMENT_SIGNATURE, None, None)}
    assert {(VERSION_GAP, hh, 2), (CHAIN_MISMATCH, hh, 2)} <= findings(dropped_first)
    assert (INCLUSION_FAILED, hh, 2) in findings(forged_proof)
    assert (CHECKPOINT_INVALID, None, None) in findings(bad_checkpoint)


async def test_an_export_re_signed_with_another_key_is_not_trusted(gql: GQL, runtime: Runtime) -> None:
    resident = await register(gql, as_=CASEWORKER_HAIZHU)
    await seal_everything(runtime)
    doc = (await exported(gql, stream=resident["residentId"]))["document"]
    published = base64.b64decode(doc["publicKey"])
    impostor = Signer(bytes(range(1, 33)))
    forged = {**doc, "publicKey": base64.b64encode(impostor.public_key).decode()}
    digest = hashlib.sha256(canonical(forged)).digest()
    forged.update(documentHash=digest.hex(), signature=impostor.sign(digest).hex())

    unpinned = {f.kind for f in verify_export(forged).findings}
    pinned = {f.kind for f in verify_export(forged, [published]).findings}

    assert unpinned == {CHECKPOINT_INVALID}  # its checkpoints are signed by another key than the document
    assert DOCUMENT_SIGNATURE in pinned  # and it is not the key the bureau published


async def test_the_command_line_exports_and_verifies_offline(
        gql: GQL, runtime: Runtime, app_db: ConnectionParams, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    world = await a_household_of_two(gql)
    monkeypatch.setenv("DATABASE_URL", app_db.url)
    monkeypatch.setenv("CIVICLEDGER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CIVICLEDGER_MASTER_KEY", base64.b64encode(MASTER_KEY).decode())
    monkeypatch.setenv("CIVICLEDGER_CHECKPOINT_KEY", base64.b64encode(runtime.settings.checkpoint_seed).decode())
    out, page = tmp_path / "trail.json", tmp_path / "trail.html"
    public_key = base64.b64encode(runtime.inspection.signer.public_key).decode()

    made = await asyncio.to_thread(cli.main, ["export", "--stream", world["household"], "--out", str(out),
                                              "--html", str(page), "--seal"])
    json_ok = await asyncio.to_thread(cli.main, ["verify-export", str(out), "--public-key", public_key])
    html_ok = await asyncio.to_thread(cli.main, ["verify-export", str(page)])
    doc = json.loads(out.read_text())
    doc["streams"][0]["events"][1]["metadata"]["reason"] = "as agreed"
    out.write_text(json.dumps(doc, ensure_ascii=False))
    capsys.readouterr()
    edited = await asyncio.to_thread(cli.main, ["verify-export", str(out)])

    assert (made, json_ok, html_ok, edited) == (0, 0, 0, 1)
    assert f"DIGEST_MISMATCH      stream {world['household']}, version 2" in capsys.readouterr().out
