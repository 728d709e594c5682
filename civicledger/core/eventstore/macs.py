"""Keyed MACs: the part of the tamper evidence a database-only attacker cannot compute (docs/THREAT-MODEL.md).

Every record the evidence covers carries an HMAC-SHA256 under the *chain key* (`CIVICLEDGER_CHAIN_KEY`), which
only the application hosts hold. It is computed in the application and stored beside the record; the key never
travels to the database, not even as a parameter (a DBA can log statements). A DBA can still recompute every
unkeyed hash (the per-stream chain, the Merkle leaves), but no longer a MAC: a forged, rewritten or re-chained
record no longer verifies.

    event        HMAC(key, "civicledger-event/1\\0" || digest(e))      digest: `integrity.event_digest`, which
                                                                      covers stream, version, topic, payload and
                                                                      metadata
    read         HMAC(key, "civicledger-read/1\\0" || canonical JSON [read_at, reader id, role, office,
                 district, resident id, resident district, fields, purpose, correlation id, operation])
    idempotency  HMAC(key, "civicledger-idempotency/1\\0" || canonical JSON [scope, key, fingerprint, command,
                 result with sorted keys])
    key created  HMAC(key, "civicledger-key-created/1\\0" || canonical JSON [subject, SHA-256(wrapped key) hex
                 or null])
    key erased   HMAC(key, "civicledger-key-erased/1\\0" || canonical JSON [subject])

Canonical JSON is orjson's compact UTF-8 form. What a MAC cannot cover — where a record sits (positions, ids,
transaction ids, assigned by the database) — the signed checkpoints cover once sealed, and the writing process
checks until then (`receipts.py`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

from civicledger.core.keyed_hash import KeyedSha256

EVENT = b"civicledger-event/1\x00"
READ = b"civicledger-read/1\x00"
IDEMPOTENCY = b"civicledger-idempotency/1\x00"
KEY_CREATED = b"civicledger-key-created/1\x00"
KEY_ERASED = b"civicledger-key-erased/1\x00"


def derive_chain_key(master_key: bytes) -> bytes:
    """Development only (production configures `CIVICLEDGER_CHAIN_KEY`): a chain key derived from the master key."""
    return hashlib.sha256(b"civicledger-chain-mac\x00" + master_key).digest()


def instant(value: datetime) -> str:
    """An instant as the MACs see it: UTC, ISO 8601, microseconds."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_result(result: str | bytes | Any) -> bytes:
    """An idempotency result (stored as jsonb, which reorders keys) in one form, whichever way it was read."""
    value = orjson.loads(result) if isinstance(result, str | bytes) else result
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def read_fields(read_at: datetime, reader_id: str, reader_role: str, reader_office: str | None,
                reader_district: str | None, resident_id: UUID, resident_district: str | None,
                fields: Sequence[str], purpose: str | None, correlation_id: str | None,
                operation: str | None) -> bytes:
    return orjson.dumps([instant(read_at), reader_id, reader_role, reader_office, reader_district, str(resident_id),
                         resident_district, list(fields), purpose, correlation_id, operation])


class Macs:
    """HMAC-SHA256 under the chain key, for the writers (which store them) and `verify` (which recomputes them)."""

    __slots__ = ("_hmac",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the chain key must be 32 bytes")
        self._hmac = KeyedSha256(bytes(key))

    def _mac(self, label: bytes, message: bytes) -> bytes:
        return self._hmac.digest(label + message)

    def event(self, digest: bytes) -> bytes:
        return self._mac(EVENT, digest)

    def read(self, canonical_fields: bytes) -> bytes:
        return self._mac(READ, canonical_fields)

    def idempotency(self, scope: str, key: str, fingerprint: str, command: str, result: Any) -> bytes:
        return self._mac(IDEMPOTENCY, orjson.dumps([scope, key, fingerprint, command]) + canonical_result(result))

    def key_created(self, subject: UUID, key_digest: bytes | None) -> bytes:
        return self._mac(KEY_CREATED, orjson.dumps([str(subject), key_digest.hex() if key_digest else None]))

    def key_erased(self, subject: UUID) -> bytes:
        return self._mac(KEY_ERASED, orjson.dumps([str(subject)]))

    @staticmethod
    def same(a: bytes | None, b: bytes | None) -> bool:
        return a is not None and b is not None and hmac.compare_digest(bytes(a), bytes(b))
