"""Whose sealed data a stored payload holds, and their data keys fetched fresh — for every reader of stored
events outside the write side (projections, inspection, exports).

Sealed data names its residents (`"$sealed": {<resident hex>: {"f": [fields], "c": ...}}`), so the residents
are found in the raw bytes without decoding or decrypting anything."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from civicledger.core.eventstore.codec import uuid_of
from civicledger.core.eventstore.keyring import KeyRing

_SEALED = re.compile(rb'"([0-9a-f]{32})":\{"f":')


def subjects_in(states: Iterable[bytes]) -> set[UUID]:
    """Residents whose sealed data these stored payloads hold (each named once, however often it appears)."""
    return {uuid_of(h.decode()) for h in {m for state in states for m in _SEALED.findall(state)}}


@dataclass(frozen=True)
class Keys:
    """Data keys of the residents whose fields appear in a set of events, fetched fresh."""

    keys: Mapping[UUID, bytes | None]
    unreadable: frozenset[UUID]

    def erased(self, subject: UUID) -> bool:
        return subject in self.unreadable


async def fetch_keys(conn: Any, keyring: KeyRing, states: Iterable[bytes]) -> Keys:
    """The keys of every resident named in `states`, in one query on this (asyncpg) connection."""
    needed = subjects_in(states)
    wrapped: dict[UUID, bytes | None] = {}
    if needed:
        for row in await conn.fetch("SELECT subject_id, wrapped_key FROM subject_keys WHERE subject_id = ANY($1)",
                                    list(needed)):
            wrapped[row["subject_id"]] = row["wrapped_key"]
    unreadable = frozenset(s for s in needed if wrapped.get(s) is None)
    return Keys(keys=keyring.unwrapping(wrapped), unreadable=unreadable)
