"""Domain events <-> stored events: plain JSON, personal fields sealed per resident, upcasting by version.

An event class declares which of its fields are personal and whose they are, in `personal_data`:

    "self"          the field is about the stream's own resident (the originator)
    "field:<name>"  the field is about the resident whose id is in field <name>
    "keys"          the field is a mapping keyed by resident id; each value is about that resident

All personal fields of one resident in one event are sealed together: the fields themselves are stored as
null placeholders and the payload gains {"$sealed": {<resident id hex>: {"f": [field names], "c": <base64
nonce|AES-256-GCM ciphertext of {field: value}>}}}. Fields whose key has been destroyed (erasure) read back as
None; the stored bytes, and so every hash over them, never change."""

from __future__ import annotations

import base64
import os
from binascii import a2b_base64
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from civicledger.core.eventstore import codec
from civicledger.core.eventstore.keyring import KeyRing

SEALED = "$sealed"


class _NoTranscoder:
    def encode(self, obj: Any) -> bytes:
        return codec.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return codec.loads(data)


@cache
def personal_fields(cls: type) -> tuple[tuple[str, str], ...]:
    spec: Mapping[str, str] = getattr(cls, "personal_data", None) or {}
    return tuple(spec.items())


@lru_cache(maxsize=65536)
def _subject(subject_hex: str) -> UUID:
    return codec.uuid_of(subject_hex)


@lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def sealed_fields(state: Mapping[str, Any]) -> dict[str, list[UUID]]:
    """Field name -> the residents whose sealed data it holds (readable without any key)."""
    owners: dict[str, list[UUID]] = {}
    for subject_hex, blob in (state.get(SEALED) or {}).items():
        subject = UUID(hex=subject_hex)
        for name in blob.get("f", ()):
            owners.setdefault(name, []).append(subject)
    return owners


class CivicMapper(Mapper[UUID]):
    def __init__(self, keyring: KeyRing) -> None:
        super().__init__(transcoder=_NoTranscoder())  # type: ignore[arg-type]
        self.keyring = keyring

    # -- sealing ------------------------------------------------------------------------------------------

    def _seal_state(self, event: Any, state: dict[str, Any]) -> None:
        """Move every personal field into one ciphertext per resident; leave null placeholders behind."""
        cls = type(event)
        spec = personal_fields(cls)
        if not spec:
            return
        groups: dict[UUID, dict[str, Any]] = {}
        own: dict[str, Any] | None = None  # the originator's group, found once (a UUID hashes in Python)
        for field, rule in spec:
            value = state.get(field)
            if value is None:
                continue
            if rule == "self":
                if own is None:
                    own = groups.setdefault(event.originator_id, {})
                own[field] = value
                state[field] = None
            elif rule.startswith("field:"):
                subject = state.get(rule[6:])
                if subject is None:
                    continue
                groups.setdefault(UUID(str(subject)), {})[field] = value
                state[field] = None
            elif rule == "keys":
                for k, v in value.items():
                    groups.setdefault(UUID(str(k)), {}).setdefault(field, {})[str(k)] = v
                state[field] = {str(k): None for k in value}
            else:
                raise ValueError(f"unknown personal-data rule {rule!r} on {cls.__qualname__}.{field}")
        if not groups:
            return
        creates_stream = getattr(event, "originator_version", None) == 1 and hasattr(event, "originator_topic")
        sealed: dict[str, dict[str, Any]] = {}
        for subject, fields in groups.items():
            if creates_stream and subject == event.originator_id:
                # A key made for this stream now: used once here, so not worth a place in the cipher cache.
                aead = AESGCM(self.keyring.key_for_new_subject(subject))
            else:
                aead = _aead(self.keyring.key_for_encryption(subject))
            nonce = os.urandom(12)
            ciphertext = aead.encrypt(nonce, codec.dumps(fields), subject.bytes)
            sealed[subject.hex] = {"f": sorted(fields), "c": base64.b64encode(nonce + ciphertext).decode("ascii")}
        state[SEALED] = sealed

    def _unseal_state(self, state: dict[str, Any], keys: Mapping[UUID, bytes | None] | None = None) -> None:
        """Put readable personal fields back; fields of an erased resident stay null."""
        sealed = state.pop(SEALED, None)
        if not sealed:
            return
        for subject_hex, blob in sealed.items():
            subject = _subject(subject_hex)
            key = keys.get(subject) if keys is not None else self.keyring.key_for_decryption(subject)
            if key is None:
                continue  # erased: the placeholders stay null
            raw = a2b_base64(blob["c"])  # base64.b64decode's own work, without its Python checks
            try:
                fields = codec.loads(_aead(key).decrypt(raw[:12], raw[12:], subject.bytes))
            except InvalidTag:
                continue
            for field, value in fields.items():
                current = state.get(field)
                if isinstance(current, dict) and isinstance(value, dict):
                    current.update(value)
                else:
                    state[field] = value

    # -- mapping ------------------------------------------------------------------------------------------

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        self._seal_state(domain_event, state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=codec.dumps(state),
        )

    def to_domain_event(self, stored_event: StoredEvent,
                        keys: Mapping[UUID, bytes | None] | None = None) -> DomainEventProtocol[UUID]:
        """`keys`, when given, are the only keys used (a projection batch fetches them fresh, once)."""
        return self.decode(stored_event.originator_id, stored_event.originator_version, stored_event.topic,
                           stored_event.state, keys)

    def decode(self, originator_id: UUID | str, originator_version: int, topic: str, stored_state: bytes,
               keys: Mapping[UUID, bytes | None] | None = None) -> DomainEventProtocol[UUID]:
        """`to_domain_event` from the stored event's fields (a projection's rows: no `StoredEvent` made)."""
        cls = resolve_topic(topic)
        try:
            state: dict[str, Any] = codec.loads(bytes(stored_state))
        except Exception as exc:
            raise MapperDeserialisationError(
                f"cannot read event {originator_id} v{originator_version}: {exc}"
            ) from exc
        self._unseal_state(state, keys)
        from_version = state.pop("class_version", 1)
        class_version = getattr(cls, "class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        for name, coerce in codec.coercers_for_class(cls).items():
            if name in state:
                state[name] = coerce(state[name])
        oid = originator_id
        state["originator_id"] = oid if isinstance(oid, UUID) else UUID(str(oid))
        state["originator_version"] = originator_version
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event  # type: ignore[no-any-return]

    def raw_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The stored payload with personal fields unsealed where still readable (inspectors' history)."""
        state: dict[str, Any] = codec.loads(bytes(stored_event.state))
        self._unseal_state(state)
        return state
