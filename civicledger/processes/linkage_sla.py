"""The linkage SLA sweep: every so often, find referrals past a deadline in the read model and let the
linkage service escalate each to the street office — deciding on the referral's own stream, by the service's
(injectable) clock, with an idempotency key per referral, deadline and assignment. A stale read model only
costs a wasted look; running the sweep twice, or on two workers, writes each escalation once."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from civicledger.core.aio import within
from civicledger.core.eventstore.application import Recorded
from civicledger.core.transient import Backoff, Outage, is_transient, pause
from civicledger.projections.linkage_queues import overdue_candidates
from civicledger.slice import CliCommand, ProcessWiring

log = logging.getLogger(__name__)


class EscalationSweep:
    """A job of the linkage program: every `interval_s` (5 minutes), escalate what is overdue."""

    def __init__(self, wiring: ProcessWiring, *, interval_s: float = 300.0) -> None:
        self.pool = wiring.pool
        self.service = wiring.services.linkage
        self.run_sync = wiring.run
        self.interval_s = interval_s
        self._stopping = asyncio.Event()

    async def sweep_once(self) -> list[Recorded]:
        as_of = self.service.clock.now()
        async with self.pool.acquire() as conn:
            candidates = await overdue_candidates(conn, as_of)
        if not candidates:
            return []
        written: list[Recorded] = await self.run_sync(self.service.sweep_overdue, candidates)
        fresh = [r for r in written if not r.replayed]
        if fresh:
            log.info("linkage SLA sweep: %d referral(s) escalated", len(fresh))
        return written

    async def run(self) -> None:
        """Every interval; a database outage is retried sooner, with backoff (logged once per outage)."""
        outage, backoff = Outage(log, "linkage SLA sweep"), Backoff(first=0.5, cap=min(30.0, self.interval_s))
        while not self._stopping.is_set():
            try:
                await self.sweep_once()
            except Exception as exc:
                if is_transient(exc):
                    outage.failed(exc)
                    await pause(backoff.next(), self._stopping)
                    continue
                log.exception("linkage SLA sweep failed; retrying at the next interval")
            else:
                outage.recovered()
            backoff.reset()
            with contextlib.suppress(asyncio.TimeoutError):
                await within(self.interval_s, self._stopping.wait())

    def stop(self) -> None:
        self._stopping.set()


async def _sweep_once(wiring: ProcessWiring, args: argparse.Namespace) -> int:
    """One SLA sweep, for a cron job where no worker runs."""
    written = await EscalationSweep(wiring).sweep_once()
    print(f"{sum(1 for r in written if not r.replayed)} referral(s) escalated")
    return 0


sweep_command = CliCommand(
    name="linkage-sweep",
    help="escalate overdue linkage referrals once (the worker does this every 5 minutes)",
    action=_sweep_once,
)
