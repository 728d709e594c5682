"""Where each read model stands, for read-your-writes: kept fresh by LISTEN (other processes) and by the
in-process runner."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from civicledger.core.errors import ConsistencyTimeoutError
from civicledger.projections.runner import CHANNEL, TRACKING


class ProjectionPositions:
    """Where each projection stands, kept fresh by LISTEN (other processes) and by the in-process runner;
    lets a request wait until its own write is visible (read-your-writes)."""

    def __init__(self, pool: asyncpg.Pool, names: list[str]) -> None:
        self.pool = pool
        self.names = names
        self.positions: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        await self.refresh()
        self._listener = await self.pool.acquire()
        await self._listener.add_listener(CHANNEL, self._on_notify)

    async def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(CHANNEL, self._on_notify)
            await self.pool.release(self._listener)
            self._listener = None

    async def refresh(self) -> None:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)",
                self.names,
            )
        for r in rows:
            self.advance(r["application_name"], r["notification_id"] or 0)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        name, _, position = payload.rpartition(":")
        with contextlib.suppress(ValueError):
            self.advance(name, int(position))

    def advance(self, name: str, position: int) -> None:
        if position > self.positions.get(name, -1):
            self.positions[name] = position
            asyncio.get_running_loop().create_task(self._notify_waiters())

    async def _notify_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def reached(self, position: int, names: list[str] | None = None) -> bool:
        return all(self.positions.get(n, 0) >= position for n in (names or self.names))

    async def wait_for(self, position: int, *, timeout: float, names: list[str] | None = None) -> None:
        if self.reached(position, names):
            return
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while not self.reached(position, names):
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise ConsistencyTimeoutError(
                        f"read models have not reached position {position} yet", position=position,
                        positions=dict(self.positions),
                    )
                with contextlib.suppress(asyncio.TimeoutError):
                    # Poll as a fallback: a missed notification must not turn into a timeout.
                    await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.25))
                if not self.reached(position, names):
                    await self.refresh()
