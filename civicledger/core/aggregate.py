"""Base aggregate: event timestamps come from the current `Clock` (so tests can inject time).

Personal fields (an event class's `personal_data`) replay as None once their resident has been erased
(PIPL: the key is destroyed). Event bodies are replayed, so they must accept None in those fields — the
aggregate must still load after an erasure (for its history, time travel and every later command).

Creating an aggregate (a command that starts a stream, and the first event of every replay) takes the
library's steps with what they look up per class resolved once per class (`_init_plan`, `_id_plan`): the
same event, the same aggregate, the same checks, without an `inspect`-backed cache lookup and two dict
filters per call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import (
    Aggregate,
    _check_explicit_topic_is_registered,
    _create_id_param_names,
    _init_mentions_id,
    _spec_filter_kwargs_for_method_params,
)
from eventsourcing.utils import get_topic, resolve_topic

from civicledger.core import clock
from civicledger.core.uuids import random_uuid


@cache
def _init_plan(aggregate_class: type) -> tuple[frozenset[str], frozenset[str], bool]:
    """What `CanInitAggregate.mutate` reads off the aggregate class on every call: the parameter names of
    `__base_init__` and of `__init__`, and whether `__init__` takes the id."""
    return (frozenset(_spec_filter_kwargs_for_method_params(aggregate_class.__base_init__)),
            frozenset(_spec_filter_kwargs_for_method_params(aggregate_class.__init__)),
            aggregate_class in _init_mentions_id)


@cache
def _id_plan(aggregate_class: type) -> tuple[tuple[str, ...], str, bool]:
    """What `BaseAggregate._create` reads off the class on every call: `create_id`'s parameter names, the
    class's topic, and whether it declares an explicit TOPIC (checked against the event class)."""
    return (tuple(_create_id_param_names.get(aggregate_class, ())), get_topic(aggregate_class),
            bool(getattr(aggregate_class, "TOPIC", None)))


class CivicAggregate(Aggregate):
    # Keep the newest state between commands, read forward from its last event (core/eventstore/newest.py): for
    # long streams whose events hold no personal data.
    keep_newest: ClassVar[bool] = False

    @staticmethod
    def create_id() -> UUID:
        """A random id, as the library's (aggregates with ids of their own override this)."""
        return random_uuid()

    class Event(Aggregate.Event):
        # Which fields are personal data and whose (see core/eventstore/mapper.py).
        personal_data: ClassVar[Mapping[str, str]] = {}

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        def mutate(self, aggregate: Any) -> Any:
            """`CanInitAggregate.mutate`, with the per-class lookups made once (`_init_plan`)."""
            assert aggregate is None
            aggregate_class = resolve_topic(self.originator_topic)
            agg = aggregate_class.__new__(aggregate_class)
            base_names, init_names, init_takes_id = _init_plan(aggregate_class)
            state = self.__dict__
            agg.__base_init__(**{k: v for k, v in state.items() if k in base_names})
            init_kwargs = {k: v for k, v in state.items() if k in init_names}
            if init_takes_id:
                init_kwargs["id"] = state["originator_id"]
            agg.__init__(**init_kwargs)
            self.apply(agg)
            return agg

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        """`BaseAggregate._create`, with the per-class lookups made once (`_id_plan`)."""
        id_params, topic, explicit_topic = _id_plan(cls)
        if explicit_topic:
            _check_explicit_topic_is_registered(event_class)
        if id is not None:
            originator_id = id
            if not isinstance(originator_id, (UUID, str)):
                raise TypeError(f"Given id was not a UUID or str: {originator_id!r}")
        else:
            originator_id = cls.create_id(**{k: kwargs[k] for k in id_params if k in kwargs})
            if not isinstance(originator_id, (UUID, str)):
                raise TypeError(f"{cls.create_id.__module__}.{cls.create_id.__qualname__} did not return UUID or"
                                f" str, it returned: {originator_id!r}")
        kwargs["originator_topic"] = topic
        kwargs["originator_id"] = originator_id
        kwargs["originator_version"] = cls.INITIAL_VERSION
        if kwargs.get("timestamp") is None:
            kwargs["timestamp"] = event_class.create_timestamp()
        try:
            created_event = event_class(**kwargs)
        except TypeError as e:
            raise TypeError(f"Unable to construct '{event_class.__qualname__}' event: {e}") from e
        agg = created_event.mutate(None)
        assert agg is not None
        agg.pending_events.append(created_event)
        return agg
