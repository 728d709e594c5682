"""Event state <-> JSON, driven by the event classes' own type annotations.

Stored payloads are plain JSON (readable by inspectors and by SQL), so UUIDs, Decimals, dates and enums are
written as strings; on the way back each field is turned into the type its annotation names. This is both
faster than the library's tagged JSON transcoder and keeps the stored form free of Python-specific tags."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

import orjson


def _default(value: Any) -> Any:
    if isinstance(value, (Decimal, UUID)):  # UUID: subclasses, e.g. asyncpg's (orjson writes plain ones itself)
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot store {type(value).__name__} in an event")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS)


def loads(data: bytes) -> Any:
    return orjson.loads(data)


Coerce = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _dt(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _d(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


# UUIDs read back from stored payloads, by their text: the same ids recur from event to event (a resident's id in
# every event about them, a case's members in each of its sources' answers) and `UUID(text)` is slow Python.
# UUIDs are immutable, so one instance may stand for every occurrence. Bounded: emptied when full.
_UUIDS: dict[str, UUID] = {}
_UUIDS_MAX = 1 << 16
# How they are made: `uuid.UUID`, or a faster class the reader sets (`make_uuids_with`).
_make_uuid: Callable[[str], UUID] = UUID


def make_uuids_with(factory: Callable[[str], UUID]) -> None:
    """Make the UUIDs read back from payloads with `factory`: a subclass of `uuid.UUID` that equals and hashes as
    the standard one (the projection runner sets asyncpg's, whose parsing, hashing and `bytes` are C: a rebuild
    parses, hashes and encodes millions of them). They are written back as the same text."""
    global _make_uuid
    if factory is not _make_uuid:
        _UUIDS.clear()
        _make_uuid = factory


def _uuid(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    made = _UUIDS.get(value)
    if made is None:
        made = _make_uuid(value)
        if len(_UUIDS) >= _UUIDS_MAX:
            _UUIDS.clear()
        _UUIDS[value] = made
    return made


def uuid_of(text: str) -> UUID:
    """A UUID from its text (with or without dashes), made and shared as the payloads' are (`_uuid`)."""
    return _uuid(text)  # type: ignore[no-any-return]


def _decimal(value: Any) -> Any:
    return Decimal(value) if isinstance(value, (str, int)) else value


def _nullable(inner: Coerce) -> Coerce:
    return lambda value: None if value is None else inner(value)


def _seq(inner: Coerce, make: type) -> Coerce:
    if inner is _identity:
        return lambda value: value if value is None else make(value)
    # A list comprehension, not a generator (several times the cost per item), then the collection.
    if make is list:
        return lambda value: value if value is None else [inner(v) for v in value]
    return lambda value: value if value is None else make([inner(v) for v in value])


def _map(key: Coerce, val: Coerce) -> Coerce:
    return lambda value: value if value is None else {key(k): val(v) for k, v in value.items()}


def _dataclass(cls: type) -> Coerce:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    coercers = {f.name: coercer_for(hints.get(f.name, Any)) for f in fields}

    def construct(value: Any) -> Any:
        if value is None or not isinstance(value, Mapping):
            return value
        return cls(**{k: coercers[k](v) if k in coercers else v for k, v in value.items() if k in coercers})

    if hasattr(cls, "__slots__") or hasattr(cls, "__post_init__") or any(not f.init for f in fields) \
            or not _generated_init(cls):
        return construct
    # The common case (a plain dataclass, frozen or not, nothing run at construction): the instance's __dict__
    # filled directly, fields in declaration order as `__init__` would set them — several times cheaper than
    # calling a frozen dataclass's `__init__` (an `object.__setattr__` per field). Stored data missing a field
    # without a default goes the constructor's way (and fails there as it would).
    missing = dataclasses.MISSING
    plan = tuple((f.name, None if coercers[f.name] is _identity else coercers[f.name], f.default,
                  f.default_factory) for f in fields)
    new = object.__new__

    def make(value: Any) -> Any:
        if value is None or not isinstance(value, Mapping):
            return value
        state = {}
        for name, coerce, default, factory in plan:
            if name in value:
                state[name] = value[name] if coerce is None else coerce(value[name])
            elif default is not missing:
                state[name] = default
            elif factory is not missing:
                state[name] = factory()
            else:
                return construct(value)
        made = new(cls)
        made.__dict__.update(state)
        return made

    return make


def _generated_init(cls: type) -> bool:
    """Whether `cls.__init__` is the one @dataclass wrote (its code is compiled from a string), not the class's
    own, which may do more than set the fields."""
    code = getattr(cls.__init__, "__code__", None)
    return code is not None and code.co_filename == "<string>"


def coercer_for(annotation: Any) -> Coerce:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is UUID:
        return _uuid
    if annotation is Decimal:
        return _decimal
    if annotation is datetime:
        return _dt
    if annotation is date:
        return _d
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = annotation._value2member_map_

        def to_enum(value: Any, cls: type = annotation) -> Any:
            # A dict lookup first: EnumType.__call__ costs several times more.
            member = members.get(value) if isinstance(value, (str, int)) else None
            return member if member is not None else (value if value is None or isinstance(value, cls)
                                                       else cls(value))

        return to_enum
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass(annotation)
    if origin in (typing.Union, types.UnionType):
        non_null = [a for a in args if a is not type(None)]
        if len(non_null) == 1:
            return _nullable(coercer_for(non_null[0]))
        return _identity
    if origin in (list, tuple, set, frozenset) or origin in (typing.Sequence, typing.AbstractSet):
        inner = coercer_for(args[0]) if args else _identity
        make = {list: list, tuple: tuple, set: set, frozenset: frozenset}.get(origin, tuple)
        return _seq(inner, make)
    if origin in (dict, typing.Mapping) or origin is Mapping:
        if len(args) == 2:
            return _map(coercer_for(args[0]), coercer_for(args[1]))
        return _identity
    import collections.abc as cabc

    if origin in (cabc.Sequence,):
        return _seq(coercer_for(args[0]) if args else _identity, tuple)
    if origin in (cabc.Mapping,):
        return _map(coercer_for(args[0]), coercer_for(args[1])) if len(args) == 2 else _identity
    if origin in (cabc.Set,):
        return _seq(coercer_for(args[0]) if args else _identity, frozenset)
    return _identity


@cache
def coercers_for_class(cls: type) -> dict[str, Coerce]:
    """Per-field coercers for an event class, resolved once."""
    hints = typing.get_type_hints(cls)
    out = {}
    for name, annotation in hints.items():
        if typing.get_origin(annotation) is typing.ClassVar:
            continue
        coerce = coercer_for(annotation)
        if coerce is not _identity:
            out[name] = coerce
    return out
