"""The newest state of long streams, kept between commands and brought forward by the events since.

A funding round records an event per proposal entered and per award: replayed from the start, each command on a
round of 170 proposals would read ~350 events, and a round's commands would cost quadratically in its size. Here a
kept state is read forward from its own last event (the events after it: none or a few), so a command reads what
changed since the last one. The log stays the truth:

- the kept state's last event is read again with the new ones and must be the very event it was built from — after
  a restore, or a failover to a replica that missed the last commits, it is not, and the stream is replayed;
- a lost connection (`Ledger.reconnect`) forgets every kept state, and what is kept is bounded by bytes;
- a command gets a copy of its own (unpickled): one that fails half-way leaves the kept state as it was;
- writers in other processes meet at the append as before (the stream's next version is taken once).

Only aggregates that declare `keep_newest` are kept, and only those whose events hold no personal data may: an
erasure must not leave a decrypted copy in memory."""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from uuid import UUID

# Read the events of a stream after a version (None: from the start), decoded.
ReadStream = Callable[[UUID, int | None], Iterable[Any]]
Project = Callable[[Any, Iterable[Any]], Any]


class NewestStates:
    """A map stream id → (the state pickled, its version, the event it was last brought to), bounded by the bytes
    it holds, least recently used out first. Kept pickled: every command unpickles a state of its own (several
    times faster than a deep copy of a state full of UUIDs), and the bytes are what the bound counts. The pickles
    are made here and live in this process's memory only: nothing else is ever unpickled."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._kept: OrderedDict[UUID, tuple[bytes, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.bytes = 0

    def get(self, stream_id: UUID, read: ReadStream, project: Project) -> Any:
        """The stream's newest state, a copy of its own (None when the stream has no events)."""
        with self._lock:
            kept = self._kept.get(stream_id)
            if kept is not None:
                self._kept.move_to_end(stream_id)
        if kept is not None:
            pickled, version, last = kept
            events = iter(read(stream_id, version - 1))
            if next(events, None) == last:
                new = list(events)
                state = project(pickle.loads(pickled), new)
                if new:
                    self._keep(stream_id, state, new[-1])
                return state
        tracked = _Last(read(stream_id, None))  # never kept, or the log no longer holds its last event
        state = project(None, tracked)
        if state is not None:
            self._keep(stream_id, state, tracked.last)
        return state

    def _keep(self, stream_id: UUID, state: Any, last: Any) -> None:
        pickled = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            current = self._kept.get(stream_id)
            if current is not None:
                if current[1] > state.version:
                    return  # another command brought it further meanwhile
                del self._kept[stream_id]
                self.bytes -= len(current[0])
            if len(pickled) > self.max_bytes:
                return
            self._kept[stream_id] = (pickled, state.version, last)
            self.bytes += len(pickled)
            while self.bytes > self.max_bytes:
                _, (dropped, _, _) = self._kept.popitem(last=False)
                self.bytes -= len(dropped)


class _Last:
    """An iterable of events that remembers the last one it gave."""

    def __init__(self, events: Iterable[Any]) -> None:
        self._events = events
        self.last: Any = None

    def __iter__(self) -> Iterator[Any]:
        for event in self._events:
            self.last = event
            yield event
