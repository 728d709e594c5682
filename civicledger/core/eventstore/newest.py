"""The newest state of long streams, kept between commands and brought forward by the events since.

A funding round records an event per proposal entered and per award: replayed from the start, each command on a
round of 170 proposals would read ~350 events, and a round's commands would cost quadratically in its size. Here a
kept state is read forward from its own last event (the events after it: none or a few), so a command reads what
changed since the last one. The log stays the truth:

- the kept state's last event is read again with the new ones and must be the very event it was built from — after
  a restore, or a failover to a replica that missed the last commits, it is not, and the stream is replayed;
- a lost connection (`Ledger.reconnect`) forgets every kept state;
- a command gets a deep copy: one that fails half-way leaves the kept state as it was;
- writers in other processes meet at the append as before (the stream's next version is taken once).

Only aggregates that declare `keep_newest` are kept, and only those whose events hold no personal data may: an
erasure must not leave a decrypted copy in memory."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from copy import deepcopy
from typing import Any
from uuid import UUID

# Read the events of a stream after a version (None: from the start), decoded.
ReadStream = Callable[[UUID, int | None], Iterable[Any]]
Project = Callable[[Any, Iterable[Any]], Any]


class NewestStates:
    """A bounded map stream id → (state, the event it was last brought to), least recently used out first."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._kept: OrderedDict[UUID, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def get(self, stream_id: UUID, read: ReadStream, project: Project) -> Any:
        """The stream's newest state, a copy of its own (None when the stream has no events)."""
        with self._lock:
            kept = self._kept.get(stream_id)
        state = last = None
        if kept is not None:
            state, last = self._forward(stream_id, kept, read, project)
        if state is None:
            tracked = _Last(read(stream_id, None))
            state = project(None, tracked)
            last = tracked.last
        if state is None:
            return None
        with self._lock:
            current = self._kept.get(stream_id)
            if current is None or current[0].version <= state.version:
                self._kept[stream_id] = (state, last)
                self._kept.move_to_end(stream_id)
                while len(self._kept) > self.maxsize:
                    self._kept.popitem(last=False)
        return deepcopy(state)

    @staticmethod
    def _forward(stream_id: UUID, kept: tuple[Any, Any], read: ReadStream,
                 project: Project) -> tuple[Any, Any]:
        """The kept state brought forward, or (None, None) when the log no longer holds its last event."""
        state, last = kept
        events = iter(read(stream_id, state.version - 1))
        if next(events, None) != last:
            return None, None
        new = list(events)
        if not new:
            return state, last
        return project(deepcopy(state), new), new[-1]


class _Last:
    """An iterable of events that remembers the last one it gave."""

    def __init__(self, events: Iterable[Any]) -> None:
        self._events = events
        self.last: Any = None

    def __iter__(self) -> Iterator[Any]:
        for event in self._events:
            self.last = event
            yield event
