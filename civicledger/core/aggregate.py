"""Base aggregate: event timestamps come from the current `Clock` (so tests can inject time)."""

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
