"""Tamper-evidence primitives, shared by the writer (which stores them) and `civicledger verify` (which
recomputes them). Anyone can re-implement these two functions to check an export independently:

    digest(e)      = SHA-256( canonical JSON [stream id, version, topic, SHA-256(state) hex, *metadata] )
    chain_hash(e)  = SHA-256( chain_hash(previous event of the same stream) || digest(e) ),
                     with 32 zero bytes before a stream's first event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

import orjson

ZERO_HASH = bytes(32)

META_COLUMNS = (
    "actor_id",
    "actor_role",
    "actor_office",
    "actor_district",
    "reason",
    "correlation_id",
    "causation_id",
    "idempotency_key",
    "origin",
)


def event_digest(
    originator_id: UUID | str, version: int, topic: str, state: bytes, meta: Sequence[str | None]
) -> bytes:
    # Compact JSON, UTF-8, no escaping of non-ASCII: exactly json.dumps(..., ensure_ascii=False,
    # separators=(",", ":")) for these value types, produced by orjson because it is on the write path.
    canonical = orjson.dumps([str(originator_id), int(version), topic, hashlib.sha256(state).hexdigest(), *meta])
    return hashlib.sha256(canonical).digest()


def chain_hash(previous: bytes, digest: bytes) -> bytes:
    return hashlib.sha256(previous + digest).digest()
