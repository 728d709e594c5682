"""`marriage_deaths`: a process manager that ends a marriage when the resident registry records a party's death.

It follows the log for `Resident.DeathRecorded` and sends `EndMarriageByDeath` for the deceased: the marriage
service ends their live marriage (if any) on the registry's date of death, releases both parties' live-marriage
claims (the survivor may marry again) and records the survivor as widowed. Its idempotency key is the resident's,
so a replay after a crash writes nothing twice; a resident with no live marriage is nothing to do."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from civicledger.core.errors import CivicError, ConflictError
from civicledger.core.metadata import Actor
from civicledger.domains.marriage.commands import EndMarriageByDeath
from civicledger.domains.residents.resident import Resident
from civicledger.processes.context import caused_by
from civicledger.projections.base import Envelope, Projection, on
from civicledger.slice import Execute, ProcessWiring

log = logging.getLogger(__name__)
PROCESS = Actor(id="marriage-deaths", role="system", office=None, district=None)


class MarriageDeaths(Projection):
    """A death in the registry → the deceased's marriage ended by death."""

    name = "marriage_deaths"
    tables = ()

    def __init__(self, wiring: ProcessWiring, *, attempts: int = 3) -> None:
        super().__init__(wiring.mapper)
        self.execute: Execute = wiring.execute
        self.attempts = attempts

    async def create(self, conn: asyncpg.Connection) -> None:
        """No tables: the marriage service's streams and the command's idempotency key are its state."""

    async def apply(self, conn: asyncpg.Connection, batch: Sequence[Envelope]) -> None:
        for env in batch:
            await self.dispatch(env)

    @on(Resident.DeathRecorded)
    async def _died(self, env: Envelope, e: Resident.DeathRecorded) -> None:
        ctx = caused_by(env, actor=PROCESS, reason="death recorded in the resident registry", origin="marriage-deaths",
                        idempotency_key=f"marriage-death:{env.stream_id}")
        for attempt in range(1, self.attempts + 1):
            try:
                await self.execute(EndMarriageByDeath(env.stream_id), ctx)
                return
            except ConflictError:
                if attempt == self.attempts:
                    raise
            except CivicError as exc:  # e.g. a death corrected away since: nothing to end, nothing to hold back
                log.error("marriage of resident %s not ended by death: %s", env.stream_id, exc.message)
                return
