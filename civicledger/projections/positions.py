"""Where each read model stands, for read-your-writes and for every cache that must not outlive a change: kept
fresh by LISTEN (other processes) and by the in-process runner.

The LISTEN connection is supervised: when it drops (a database restart, a failover, a killed backend, a network
cut caught by the periodic probe) it is re-established with backoff, and the positions are refreshed from the
tracking table after every (re)connect, since notifications sent meanwhile are lost. `trustworthy` says whether
the positions can be relied upon *now*; caches keyed by positions must not be used while it is False."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from civicledger.core.aio import within
from civicledger.core.errors import ConsistencyTimeoutError
from civicledger.core.eventstore.keyring import ERASURE_CHANNEL, KeyRing
from civicledger.core.transient import Backoff, Outage, pause
from civicledger.projections.runner import CHANNEL, TRACKING, parse_notification

log = logging.getLogger(__name__)

Notify = Callable[[str], None]
# A change of a read model heard: (read model, the residents whose rows changed, or None for any row).
Changed = Callable[[str, "frozenset[str] | None"], None]



class ProjectionPositions:
    """Where each projection stands, kept fresh by a supervised LISTEN connection (other processes) and by the
    in-process runner; lets a request wait until its own write is visible (read-your-writes)."""

    def __init__(self, pool: asyncpg.Pool, names: list[str], *, dsn: str | None = None,
                 probe_interval: float = 5.0, connect_timeout: float = 10.0, max_backoff: float = 2.0) -> None:
        self.pool = pool
        self.dsn = dsn  # the listener's own connection; without it, one held from the pool
        self.connect_timeout = connect_timeout
        self.names = names
        self.positions: dict[str, int] = {}
        # Bumped at every (re)connect once refreshed: whatever was derived from earlier positions is suspect.
        self.epoch = 0
        self.probe_interval = probe_interval
        self.max_backoff = max_backoff
        self.on_reconnect: list[Callable[[], None]] = []  # after every refresh that follows a (re)connect
        # At every change heard (the runner's, a notification, a refresh that found a read model moved), even one
        # that does not move `positions` (a notification can arrive after the in-process runner's next advance):
        # what caches of read-model data are invalidated by (graphql/caches.py).
        self.on_change: list[Changed] = []
        self._channels: dict[str, Notify] = {}  # other channels heard on the same connection
        self._changed = asyncio.Condition()
        self._listener: Any = None
        self._refreshed = False
        self._lost = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.outage = Outage(log, "positions listener")

    # -- the supervised listener ----------------------------------------------------------------------------

    @property
    def trustworthy(self) -> bool:
        """True only while the listener is connected and has been refreshed since it (re)connected: then every
        advance of a read model reaches `positions` (give or take the notification's delivery)."""
        listener = self._listener
        return self._refreshed and listener is not None and not listener.is_closed() and not self._lost.is_set()

    def listen(self, channel: str, callback: Notify) -> None:
        """Also deliver `channel`'s payloads to `callback` (before `start`); lost ones are the caller's
        concern: use `on_reconnect` to drop whatever they kept fresh."""
        self._channels[channel] = callback

    async def start(self) -> None:
        self._stopping.clear()
        await self.refresh()
        await self._connect()  # the first one fails loudly: a process that cannot listen does not start
        self._task = asyncio.create_task(self._supervise(), name="positions-listener")

    async def stop(self) -> None:
        self._stopping.set()
        self._lost.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._disconnect()

    async def _open(self) -> Any:
        if self.dsn is not None:
            return await asyncpg.connect(self.dsn, timeout=self.connect_timeout,
                                         server_settings={"application_name": "civicledger-listener"})
        return await self.pool.acquire(timeout=self.connect_timeout)

    async def _close(self, conn: Any) -> None:
        """Terminate: a lost or suspect connection is never reused, and a listening one never returns to
        the pool."""
        with contextlib.suppress(Exception):
            conn.remove_termination_listener(self._on_terminated)
        conn.terminate()
        if self.dsn is None:
            with contextlib.suppress(Exception):
                await self.pool.release(conn)

    async def _connect(self) -> None:
        self._lost.clear()
        conn = await within(self.connect_timeout, self._open())
        try:
            conn.add_termination_listener(self._on_terminated)
            await conn.add_listener(CHANNEL, self._on_notify)
            for channel, callback in self._channels.items():
                await conn.add_listener(channel, self._relay(callback))
            # Listening first, then reading: an advance is either in the table we read or notified after.
            await within(self.connect_timeout, self._refresh_on(conn))
        except BaseException:
            await self._close(conn)
            raise
        self._listener = conn
        self.epoch += 1
        self._refreshed = True
        for callback in self.on_reconnect:
            callback()

    async def _disconnect(self) -> None:
        self._refreshed = False
        conn, self._listener = self._listener, None
        if conn is not None:
            await self._close(conn)

    def _on_terminated(self, _conn: Any) -> None:
        self._refreshed = False  # at once: no cache may be used from here on
        self._lost.set()

    async def _supervise(self) -> None:
        backoff = Backoff(first=0.1, cap=self.max_backoff)
        while not self._stopping.is_set():
            await self._watch()
            if self._stopping.is_set():
                return
            self.outage.failed(ConnectionError("the LISTEN connection was lost"))
            await self._disconnect()
            while not self._stopping.is_set():
                try:
                    await self._connect()
                except Exception as exc:
                    self.outage.failed(exc)
                    await pause(backoff.next(), self._stopping)
                    continue
                backoff.reset()
                self.outage.recovered()
                break

    async def _watch(self) -> None:
        """Until the connection is lost: a termination callback, or a probe that fails or hangs (a cut that
        closed nothing on our side)."""
        while not self._stopping.is_set() and not self._lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await within(self.probe_interval, self._lost.wait())
            if self._lost.is_set() or self._stopping.is_set():
                break
            try:
                await within(self.probe_interval, self._listener.fetchval("SELECT 1"))
            except Exception:
                self._on_terminated(None)

    @staticmethod
    def _relay(callback: Notify) -> Callable[[Any, int, str, str], None]:
        def deliver(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
            try:
                callback(payload)
            except Exception:
                log.exception("listener callback failed for %r", payload)

        return deliver

    # -- positions ------------------------------------------------------------------------------------------

    async def refresh(self) -> None:
        async with self.pool.acquire() as conn:
            await self._refresh_on(conn)

    async def _refresh_on(self, conn: Any) -> None:
        rows = await conn.fetch(
            f"SELECT application_name, notification_id FROM {TRACKING} WHERE application_name = ANY($1)",
            self.names,
        )
        for r in rows:
            self.advance(r["application_name"], r["notification_id"] or 0, announced=False)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            name, position, residents = parse_notification(payload)
        except ValueError:
            return
        self.advance(name, position, residents)

    def advance(self, name: str, position: int, residents: frozenset[str] | None = None, *,
                announced: bool = True) -> None:
        """Read model `name` reached `position`. `announced`: told by the runner that made the change (here
        or by notification), with the `residents` whose rows changed (None: any row); otherwise (a refresh
        from the table) a change is assumed only when the position moved, and of any row."""
        moved = position > self.positions.get(name, -1)
        if announced or moved:
            # Before the position moves: a request that sees the new position finds the caches invalidated.
            for callback in self.on_change:
                try:
                    callback(name, residents if announced else None)
                except Exception:
                    log.exception("change callback failed for %s", name)
        if moved:
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
                    await within(min(remaining, 0.25), self._changed.wait())
                if not self.reached(position, names):
                    await self.refresh()


def guard_key_cache(positions: ProjectionPositions, keyring: KeyRing) -> None:
    """The key ring's cache under the same rule as every cache here: an erasure announced by any process
    evicts the key at once; after a reconnect (announcements may have been lost) the cache starts empty; and
    while the listener is down, cached keys are not used."""
    positions.listen(ERASURE_CHANNEL, keyring.forget_announced)
    positions.on_reconnect.append(keyring.clear)
    keyring.cache_trusted = lambda: positions.trustworthy
