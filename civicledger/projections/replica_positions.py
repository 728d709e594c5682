"""Where each read model stands *on a read replica* (`DATABASE_READ_URL`), for read-your-writes there.

A replica replays the primary's WAL a little later, and NOTIFY never reaches it: the primary's notifications
and the in-process runner's advances say where the read models are on the primary, not on the replica. So
the positions GraphQL waits on come only from the replica's own copy of `projection_tracking`, polled. A
request with `minPosition` then waits until the replica has replayed its write (lag becomes waiting, never a
stale answer). Everything else the positions object does (its LISTEN connection for other channels) stays on
the primary."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg

from civicledger.projections.positions import ProjectionPositions
from civicledger.projections.runner import TRACKING

log = logging.getLogger(__name__)


class ReplicaPositions(ProjectionPositions):
    def __init__(self, pool: asyncpg.Pool, names: list[str], *, replica: asyncpg.Pool, interval: float = 0.1,
                 **kwargs: Any) -> None:
        super().__init__(pool, names, **kwargs)
        self.replica = replica
        self.interval = interval
        self._polled_at: float | None = None
        self._poller: asyncio.Task[None] | None = None

    def advance(self, name: str, position: int, residents: frozenset[str] | None = None, *,
                announced: bool = True) -> None:
        """The primary's news (NOTIFY, the in-process runner): not yet true on the replica, so not taken
        (nor its list of residents: caches are invalidated by the replica's own positions, read model by
        read model, when they move)."""

    async def refresh(self) -> None:
        try:
            async with self.replica.acquire() as conn:
                rows = await conn.fetch(
                    f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)",
                    self.names,
                )
        except asyncpg.UndefinedTableError:
            return  # a new replica has not replayed the schema yet: nothing reached there so far
        for r in rows:
            super().advance(r["application_name"], r["notification_id"] or 0, announced=False)
        self._polled_at = time.monotonic()

    async def start(self) -> None:
        await super().start()
        self._poller = asyncio.create_task(self._poll(), name="replica-positions")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._poller
        await super().stop()

    async def _poll(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.refresh()
            except Exception as exc:  # the replica is away: positions stop moving, waits time out, never lie
                if not failing:
                    log.warning("read replica unavailable for positions: %r", exc)
                failing = True
                continue
            if failing:
                log.info("read replica positions polled again")
            failing = False

    @property
    def trustworthy(self) -> bool:
        """Fresh from the replica (and the primary's listener, where it has one, up)."""
        polled = self._polled_at is not None and time.monotonic() - self._polled_at < max(1.0, 10 * self.interval)
        return polled and bool(getattr(super(), "trustworthy", True))
