"""Time travel: any aggregate as recorded at instant T, rebuilt from its events up to T; diffs between two
instants; and, for effective-dated aggregates, what was in force on a date (`core/effective.py`).

Generic over every aggregate type: the events name their aggregate class, and each event's own `mutate`
replays it, exactly as the repository does (the aggregate's public methods are never called). Which
attributes are personal comes from the aggregate (`personal_attributes`, when it declares them) or from the
`personal_data` of its event classes."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent

from civicledger.core.effective import EffectiveDated
from civicledger.core.errors import RuleViolationError
from civicledger.core.eventstore.sealed import Keys, subjects_in
from civicledger.inspection.history import RecordedEvent
from civicledger.inspection.payloads import MASKED, PayloadReader, Reveal


class NotEffectiveDatedError(RuleViolationError):
    def __init__(self, type_name: str) -> None:
        super().__init__(f"{type_name} is not effective-dated: ask for it as recorded at an instant (asOf)",
                         type=type_name)


@dataclasses.dataclass
class StreamAt:
    """An aggregate as recorded at an instant."""

    stream_id: UUID
    aggregate: Any
    version: int
    position: int
    recorded_at: datetime
    as_of: datetime
    subjects: set[UUID]
    erased: bool

    @property
    def type_name(self) -> str:
        return type(self.aggregate).__name__

    @property
    def type_topic(self) -> str:
        from eventsourcing.utils import get_topic

        return get_topic(type(self.aggregate))

    def state(self) -> dict[str, Any]:
        return {k: to_json(v) for k, v in vars(self.aggregate).items() if not k.startswith("_")}

    def personal(self) -> frozenset[str]:
        return personal_attributes(type(self.aggregate))

    def shown_state(self, reveal: Reveal) -> tuple[dict[str, Any], bool, bool]:
        """The state with personal attributes masked unless every resident concerned may be shown;
        returns (state, revealed: personal data shown in clear, masked: personal data hidden)."""
        state = self.state()
        present = [name for name in self.personal() if state.get(name) is not None]
        if bool(self.subjects) and all(reveal(s) for s in self.subjects):
            return state, bool(present), False
        for name in present:
            state[name] = MASKED
        return state, False, bool(present)


def rebuild(events: Sequence[RecordedEvent], reader: PayloadReader, keys: Keys, as_of: datetime) -> StreamAt | None:
    """Replay the stream's events recorded at or before `as_of`; None if the stream did not exist then."""
    aggregate: Any = None
    applied: list[RecordedEvent] = []
    for recorded in events:
        if recorded.occurred_at > as_of:
            break  # a stream's events are recorded in order: nothing later can be earlier
        event = reader.decode(recorded.stream_id, recorded.version, recorded.topic, recorded.state, keys)
        aggregate = event.mutate(aggregate)
        applied.append(recorded)
    if aggregate is None or not applied:
        return None
    subjects = subjects_in(e.state for e in applied)
    return StreamAt(
        stream_id=applied[-1].stream_id, aggregate=aggregate, version=applied[-1].version,
        position=applied[-1].position, recorded_at=applied[-1].occurred_at, as_of=as_of, subjects=subjects,
        erased=any(keys.erased(s) for s in subjects),
    )


def in_force(at: StreamAt, day: date) -> Mapping[str, Any] | None:
    if not isinstance(at.aggregate, EffectiveDated):
        raise NotEffectiveDatedError(at.type_name)
    values = at.aggregate.in_force_on(day)
    return None if values is None else {k: to_json(v) for k, v in values.items()}


@cache
def personal_attributes(aggregate_class: type) -> frozenset[str]:
    declared = getattr(aggregate_class, "personal_attributes", None)
    if declared is not None:
        return frozenset(declared)
    names: set[str] = set()
    for attr in dir(aggregate_class):
        value = getattr(aggregate_class, attr, None)
        if isinstance(value, type) and issubclass(value, DomainEvent):
            names |= set((getattr(value, "personal_data", None) or {}).keys())
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class Change:
    path: str
    before: Any
    after: Any


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, prefix: str = "") -> list[Change]:
    """Changed fields between two JSON states; nested objects are compared field by field (dotted paths)."""
    before, after = before or {}, after or {}
    out: list[Change] = []
    for key in sorted(set(before) | set(after), key=str):
        a, b = before.get(key), after.get(key)
        path = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(diff(a, b, prefix=f"{path}."))
        elif a != b:
            out.append(Change(path=path, before=a, after=b))
    return out


def to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # first: str-valued enums are also str
        return to_json(value.value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_json(k)): to_json(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_json(v) for v in value), key=str)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)
