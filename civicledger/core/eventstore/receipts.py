"""What this process wrote and was told is committed, kept until a witnessed checkpoint covers it.

Between a commit and the next checkpoint (about a second) the database is the only place that holds a new
record, so a DBA could delete or move it and nothing sealed would miss it. The writer itself remembers: every
acknowledged event (position, stream, version, MAC) and every side record (its key and MAC) stays here until
the sealer of this process finds it sealed under a checkpoint that the witness holds; if the record is gone or
different before that, the sealer publishes an alarm to the witness (`inspection/sealing.py`).

Bounded: if sealing stops (database down), the oldest receipts are dropped with a warning and the window of
those records is back to the database alone."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

log = logging.getLogger(__name__)

# Side-record kinds: reads (id), idempotency ((scope, key)), key_created and key_erased (subject id).
SIDE_KINDS = ("personal_data_reads", "idempotency_keys", "key_created", "key_erased")


@dataclass
class Pending:
    events: list[tuple[int, UUID, int, bytes]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, bytes]]] = field(default_factory=lambda: {k: [] for k in SIDE_KINDS})

    def __len__(self) -> int:
        return len(self.events) + sum(len(v) for v in self.rows.values())


class Receipts:
    """Thread-safe: written by command threads and the read path, taken by the sealer."""

    def __init__(self, limit: int = 500_000) -> None:
        self.enabled = False
        self.limit = limit
        self.dropped = 0
        self._lock = threading.Lock()
        self._events: deque[tuple[int, UUID, int, bytes]] = deque()
        self._rows: dict[str, deque[tuple[Any, bytes]]] = {k: deque() for k in SIDE_KINDS}

    def events(self, items: Iterable[tuple[int, UUID, int, bytes]]) -> None:
        if self.enabled:
            with self._lock:
                self._events.extend(items)
                self._bound(self._events)

    def rows(self, kind: str, items: Iterable[tuple[Any, bytes]]) -> None:
        if self.enabled:
            with self._lock:
                self._rows[kind].extend(items)
                self._bound(self._rows[kind])

    def _bound(self, queue: deque[Any]) -> None:
        over = len(queue) - self.limit
        if over > 0:
            for _ in range(over):
                queue.popleft()
            self.dropped += over
            log.warning("receipts: %s oldest receipts dropped (sealing is not keeping up); those records are "
                        "covered by the database alone until sealed", over)

    def take(self) -> Pending:
        with self._lock:
            out = Pending(events=list(self._events), rows={k: list(v) for k, v in self._rows.items()})
            self._events.clear()
            for queue in self._rows.values():
                queue.clear()
        return out

    def put_back(self, pending: Pending) -> None:
        """Receipts not sealed yet go back in front of what was written meanwhile."""
        with self._lock:
            self._events.extendleft(reversed(pending.events))
            for kind, items in pending.rows.items():
                self._rows[kind].extendleft(reversed(items))

    def __len__(self) -> int:
        with self._lock:
            return len(self._events) + sum(len(q) for q in self._rows.values())
