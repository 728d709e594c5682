"""Base aggregate: event timestamps come from the current `Clock` (so tests can inject time).

Personal fields (an event class's `personal_data`) replay as None once their resident has been erased
(PIPL: the key is destroyed). Event bodies are replayed, so they must accept None in those fields — the
aggregate must still load after an erasure (for its history, time travel and every later command)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from eventsourcing.domain import Aggregate

from civicledger.core import clock


class CivicAggregate(Aggregate):
    class Event(Aggregate.Event):
        # Which fields are personal data and whose (see core/eventstore/mapper.py).
        personal_data: ClassVar[Mapping[str, str]] = {}

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.now()

    class Created(Event, Aggregate.Created):
        pass
