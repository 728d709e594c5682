"""The marriage demo at a small size on a known date: the population's couples married at their home offices,
some divorced, some in the cooling-off period — and loading it again writes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from civicledger import demo
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.demo.marriage import load_marriage_for
from civicledger.demo.world import DemoWorld
from civicledger.domains.marriage.marriage import Marriage, MarriageStatus
from civicledger.domains.marriage.services import MarriageService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.runtime import Services
from tests.conftest import MASTER_KEY
from tests.marriage.conftest import event_count


async def test_the_demo_marries_the_populations_couples_and_reloads_idempotently(scratch_db: ConnectionParams
                                                                                 ) -> None:
    ledger = Ledger(scratch_db, master_key=MASTER_KEY, claims_secret=b"c" * 32, pool_size=4, max_overflow=2)
    registry = ResidentRegistry(ledger)
    service = MarriageService(ledger, residents=registry)
    world = DemoWorld(services=Services(residents=registry, marriage=service), households=demo.plan(120), threads=2)
    try:
        await asyncio.to_thread(demo.load_residents, world)
        married = await asyncio.to_thread(load_marriage_for, world, date(2026, 3, 4))
        end = event_count(ledger)
        again = await asyncio.to_thread(load_marriage_for, world, date(2026, 3, 4))

        assert married >= 10 and again == married
        assert event_count(ledger) == end
        with ledger.datastore.get_connection() as conn:
            topic = f"{Marriage.__module__}:{Marriage.Registered.__qualname__}"
            ids = [r["originator_id"] for r in conn.execute(
                "SELECT originator_id FROM events WHERE topic = %s", (topic,)).fetchall()]
        marriages = [service.get_marriage(i) for i in ids]
        assert len(marriages) == married
        assert any(m.status is MarriageStatus.DIVORCED for m in marriages)
        assert all(m.registered_on >= date(2018, 1, 29) for m in marriages)
    finally:
        ledger.close()
