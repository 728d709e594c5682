"""The append functions: what the migrations install is what the recorder's templates say, and a command's side
rows (claims, new keys) are written the same whether it carries one of each (a registration: the single-row
path) or several."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.eventstore.claims import Claim
from civicledger.core.eventstore.recorder import AppendRequest
from tests.conftest import MASTER_KEY

TOPIC = "civicledger.domains.residents.resident:Resident.Registered"
BODY = re.compile(r"\$fn\$(.*)\$fn\$", re.S)


@pytest.fixture
def ledger(scratch_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, chain_key=b"k" * 32)  # migrates
    yield ledger
    ledger.close()


def test_the_migrated_append_functions_are_the_recorders_templates(ledger: Ledger,
                                                                    scratch_db: ConnectionParams) -> None:
    recorder = ledger.recorder
    with psycopg.connect(**scratch_db.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        templates = {name: BODY.search(recorder.sql_create_statements[i].as_string(conn)).group(1)  # type: ignore[union-attr]
                     for name, i in ((recorder.append_function_name, 1), (recorder.append_function_name + "_1", 2))}
        installed = dict(conn.execute("SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)",
                                      (list(templates),)).fetchall())
    assert installed == templates


def _append(ledger: Ledger, claims: list[Claim], keys: list[tuple[uuid.UUID, bytes]]) -> list[int]:
    stream = uuid.uuid4()
    event = StoredEvent(originator_id=stream, originator_version=1, topic=TOPIC, state=b'{"x":1}')
    return list(ledger.recorder.insert_events([event], write=AppendRequest(claims=claims, new_keys=keys)) or [])


@pytest.mark.parametrize("count", [1, 2, 3])
def test_claims_and_new_keys_are_written_whole_one_or_several(ledger: Ledger, scratch_db: ConnectionParams,
                                                              count: int) -> None:
    owners = [uuid.uuid4() for _ in range(count)]
    claims = [Claim("test_scope", f"key-{count}-{i}", owner) for i, owner in enumerate(owners)]
    keys = [(owner, hashlib.sha256(owner.bytes).digest() + bytes([i]) * 28) for i, owner in enumerate(owners)]
    assert len(_append(ledger, claims, keys)) == 1
    key_macs = ledger.recorder.macs
    with psycopg.connect(**scratch_db.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        claimed = conn.execute("SELECT key, owner_id FROM claims WHERE scope = 'test_scope' AND key LIKE %s"
                               " ORDER BY key", (f"key-{count}-%",)).fetchall()
        stored = conn.execute("SELECT subject_id, wrapped_key, key_digest, created_mac, tx IS NOT NULL"
                              " FROM subject_keys WHERE subject_id = ANY(%s)", (owners,)).fetchall()
    assert claimed == [(c.key, c.owner_id) for c in claims]
    assert sorted(stored) == sorted(
        (owner, wrapped, hashlib.sha256(wrapped).digest(), key_macs.key_created(owner, hashlib.sha256(wrapped).digest()),
         True) for owner, wrapped in keys)
    # A claim is unique whichever path wrote it: the same key again is refused, and nothing of that append stays.
    again = [Claim("test_scope", claims[-1].key, uuid.uuid4())]
    with pytest.raises(IntegrityError):
        _append(ledger, again, [(uuid.uuid4(), b"w" * 60)])
    with psycopg.connect(**scratch_db.psycopg_kwargs()) as conn:  # type: ignore[arg-type]
        assert conn.execute("SELECT count(*) FROM subject_keys").fetchone()[0] == count
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
