"""Event payloads as inspectors see them: personal fields unsealed, masked or shown as erased.

Sealed data names its residents (`"$sealed": {<resident>: {"f": [fields], "c": ...}}`), so whose
data an event holds, and in which fields, is known without decrypting it. Keys are fetched fresh from
`subject_keys` for every request (never from a cache): once a resident is erased, their fields read as None
here at once, in every process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent

from civicledger.core.eventstore.keyring import KeyRing
from civicledger.core.eventstore.mapper import SEALED, CivicMapper, sealed_fields
from civicledger.core.eventstore.sealed import Keys

MASKED = "***"

Reveal = Callable[[UUID], bool]


def never(_: UUID) -> bool:
    return False


@dataclass
class Readable:
    """A payload for display: `payload` is JSON-safe; personal fields are plain, masked or None (erased)."""

    payload: dict[str, Any]
    personal_fields: list[str] = field(default_factory=list)
    erased: bool = False
    # resident -> personal fields of theirs shown unmasked (to be written to the access log)
    revealed: dict[UUID, set[str]] = field(default_factory=dict)


class PayloadReader:
    def __init__(self, mapper: CivicMapper, keyring: KeyRing) -> None:
        self.mapper = mapper
        self.keyring = keyring

    def decode(self, stream_id: UUID, version: int, topic: str, state: bytes, keys: Keys) -> Any:
        """The domain event, decrypted with these keys only (erased fields are None)."""
        with self.keyring.pinned(keys.keys):
            return self.mapper.to_domain_event(StoredEvent(stream_id, version, topic, bytes(state)))

    def readable(self, stream_id: UUID, version: int, topic: str, state: bytes, keys: Keys,
                 reveal: Reveal = never) -> Readable:
        raw: dict[str, Any] = orjson.loads(state)
        out = Readable(payload={})
        unsealed: list[dict[str, Any]] = []

        def plain(name: str, member: str | None) -> Any:
            if not unsealed:  # decrypt once per event, and only if something is to be shown
                with self.keyring.pinned(keys.keys):
                    unsealed.append(self.mapper.raw_state(StoredEvent(stream_id, version, topic, bytes(state))))
            value = unsealed[0].get(name)
            return (value or {}).get(member) if member is not None else value

        def shown(name: str, subject: UUID, member: str | None = None) -> Any:
            if keys.erased(subject):
                out.erased = True
                return None
            if not reveal(subject):
                return MASKED
            out.revealed.setdefault(subject, set()).add(name)
            return plain(name, member)

        owners = sealed_fields(raw)
        raw.pop(SEALED, None)
        for name, value in raw.items():
            subjects = owners.get(name)
            if not subjects:
                out.payload[name] = value
                continue
            out.personal_fields.append(name)
            if isinstance(value, dict) and value:
                # A mapping keyed by resident: each entry belongs to the resident it is keyed by.
                out.payload[name] = {key: shown(name, UUID(str(key)), key) for key in value}
            else:
                out.payload[name] = shown(name, subjects[0])
        return out
