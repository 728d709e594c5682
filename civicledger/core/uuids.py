"""Random (version 4, RFC 4122 variant) UUIDs, made straight from 16 random bytes: `uuid.uuid4()`'s bits without
`uuid.UUID`'s constructor and `__str__`, which are Python and several times the cost of the bytes. Every command
makes a correlation id, and every new stream an id."""

from __future__ import annotations

import os
from uuid import UUID, SafeUUID

_VERSION_4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4_SET = (0x8000 << 48) | (4 << 76)
_new_object = object.__new__
_set = object.__setattr__


def _random_v4() -> int:
    return (int.from_bytes(os.urandom(16), "big") & _VERSION_4_CLEAR) | _VERSION_4_SET


def random_uuid() -> UUID:
    """`uuid.uuid4()`."""
    made = _new_object(UUID)
    _set(made, "int", _random_v4())
    _set(made, "is_safe", SafeUUID.unknown)
    return made


def random_uuid_text() -> str:
    """`str(uuid.uuid4())`."""
    h = f"{_random_v4():032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
