"""Runs the linkage processes inside a runtime: the program process manager (a log follower) and the SLA
sweep (a timer). Started by `civicledger serve` and `civicledger worker`, never by tests of other features."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from civicledger.processes.linkage_programs import LinkageProgramsProcess
from civicledger.processes.linkage_sla import EscalationSweep
from civicledger.projections.runner import ProjectionRunner

if TYPE_CHECKING:
    from civicledger.runtime import Runtime


class LinkageProcesses:
    def __init__(self, runtime: Runtime, *, sweep_interval_s: float = 300.0) -> None:
        linkage = runtime.services.linkage
        if linkage is None or runtime.pool is None:
            raise RuntimeError("the linkage processes need a started runtime with the linkage service")
        self.programs = LinkageProgramsProcess(runtime.ledger.mapper, linkage_service=linkage,
                                               assistance_service=runtime.services.assistance, run=runtime.run)
        self.runner = ProjectionRunner(runtime.pool, runtime.ledger.mapper, runtime.ledger.keyring, [self.programs],
                                       batch_size=200)
        self.sweep = EscalationSweep(runtime.pool, linkage, run=runtime.run, interval_s=sweep_interval_s)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.runner.create_tables()
        self._tasks = [asyncio.create_task(self.runner.run(), name="linkage-programs"),
                       asyncio.create_task(self.sweep.run(), name="linkage-sla-sweep")]

    async def stop(self) -> None:
        self.runner.stop()
        self.sweep.stop()
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=5)
