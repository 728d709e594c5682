"""Domain events <-> stored events: plain JSON, personal fields sealed per resident, upcasting by version.

An event class declares which of its fields are personal and whose they are, in `personal_data`:

    "self"          the field is about the stream's own resident (the originator)
    "field:<name>"  the field is about the resident whose id is in field <name>
    "keys"          the field is a mapping keyed by resident id; each value is about that resident

Sealed values are stored as {"$sealed": <resident id>, "$ct": <base64 nonce|ciphertext>}. A value whose
key has been destroyed (erasure) reads back as None."""

from __future__ import annotations

import base64
import os
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
CIPHERTEXT = "$ct"


class _NoTranscoder:
    def encode(self, obj: Any) -> bytes:
        return codec.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return codec.loads(data)


@cache
def personal_fields(cls: type) -> tuple[tuple[str, str], ...]:
    spec: Mapping[str, str] = getattr(cls, "personal_data", None) or {}
    return tuple(spec.items())


@lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and SEALED in value and CIPHERTEXT in value


class CivicMapper(Mapper[UUID]):
    def __init__(self, keyring: KeyRing) -> None:
        super().__init__(transcoder=_NoTranscoder())  # type: ignore[arg-type]
        self.keyring = keyring

    # -- sealing ------------------------------------------------------------------------------------------

    def _seal(self, subject: UUID, field: str, value: Any, *, new_subject: bool) -> dict[str, str]:
        key = (self.keyring.key_for_new_subject(subject) if new_subject
               else self.keyring.key_for_encryption(subject))
        nonce = os.urandom(12)
        ciphertext = _aead(key).encrypt(nonce, codec.dumps(value), subject.bytes + field.encode())
        return {SEALED: subject.hex, CIPHERTEXT: base64.b64encode(nonce + ciphertext).decode("ascii")}

    def _unseal(self, field: str, sealed: Mapping[str, str]) -> Any:
        subject = UUID(hex=sealed[SEALED])
        key = self.keyring.key_for_decryption(subject)
        if key is None:
            return None  # erased
        raw = base64.b64decode(sealed[CIPHERTEXT])
        try:
            return codec.loads(_aead(key).decrypt(raw[:12], raw[12:], subject.bytes + field.encode()))
        except InvalidTag:
            return None

    def _seal_state(self, event: Any, state: dict[str, Any]) -> None:
        cls = type(event)
        creates_subject = getattr(event, "originator_version", None) == 1 and hasattr(event, "originator_topic")
        for field, rule in personal_fields(cls):
            if field not in state or state[field] is None:
                continue
            value = state[field]
            if rule == "self":
                state[field] = self._seal(event.originator_id, field, value, new_subject=creates_subject)
            elif rule.startswith("field:"):
                subject = state.get(rule[6:])
                if subject is None:
                    continue
                state[field] = self._seal(UUID(str(subject)), field, value, new_subject=False)
            elif rule == "keys":
                state[field] = {
                    k: self._seal(UUID(str(k)), field, v, new_subject=False) for k, v in value.items()
                }
            else:
                raise ValueError(f"unknown personal-data rule {rule!r} on {cls.__qualname__}.{field}")

    def _unseal_state(self, state: dict[str, Any]) -> None:
        for field, value in state.items():
            if is_sealed(value):
                state[field] = self._unseal(field, value)
            elif isinstance(value, dict) and value and all(is_sealed(v) for v in value.values()):
                state[field] = {k: self._unseal(field, v) for k, v in value.items()}

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

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        cls = resolve_topic(stored_event.topic)
        try:
            state: dict[str, Any] = codec.loads(bytes(stored_event.state))
        except Exception as exc:
            raise MapperDeserialisationError(
                f"cannot read event {stored_event.originator_id} v{stored_event.originator_version}: {exc}"
            ) from exc
        self._unseal_state(state)
        from_version = state.pop("class_version", 1)
        class_version = getattr(cls, "class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        for name, coerce in codec.coercers_for_class(cls).items():
            if name in state:
                state[name] = coerce(state[name])
        oid = stored_event.originator_id
        state["originator_id"] = oid if isinstance(oid, UUID) else UUID(str(oid))
        state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(cls)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event  # type: ignore[no-any-return]

    def raw_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The stored payload with personal fields unsealed where still readable (inspectors' history)."""
        state: dict[str, Any] = codec.loads(bytes(stored_event.state))
        self._unseal_state(state)
        return state
