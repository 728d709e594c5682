"""Unique claims: a value (a resident ID number, a live marriage registration...) held by one stream city-wide,
taken and released in the same transaction as the events that justify it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Claim:
    """`scope` names the kind (e.g. `resident_id_number`); `key` is a keyed hash of the value (never the
    personal value itself); `owner_id` is the stream that holds it."""

    scope: str
    key: str
    owner_id: UUID
