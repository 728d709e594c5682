"""What each process of the concurrency test runs: its own ledger (its own connections) and service, waiting
at a barrier so that every process redeems at once, until the balance refuses."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from civicledger.core.db import ConnectionParams
from civicledger.core.errors import ConflictError
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.domains.timebank.commands import RedeemVolunteerHours
from civicledger.domains.timebank.errors import InsufficientHoursError
from civicledger.domains.timebank.services import TimeBankService

CASEWORKER = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")


def redeem_until_refused(params: ConnectionParams, master_key: bytes, claims_secret: bytes, resident_id: UUID,
                         hours: str, barrier: Any) -> dict[str, int]:
    ledger = Ledger(params, master_key=master_key, claims_secret=claims_secret, pool_size=2, max_overflow=1,
                    create_tables=False)
    try:
        service = TimeBankService(ledger, residents=ResidentRegistry(ledger))
        redeemed = refused = busy = 0
        barrier.wait(timeout=120)
        while True:
            try:
                service.redeem_volunteer_hours(RedeemVolunteerHours(resident_id, hours, "上门助浴", "颐康护理站"),
                                               CommandContext(actor=CASEWORKER, origin="test worker"))
                redeemed += 1
            except InsufficientHoursError:
                refused += 1
                break
            except ConflictError:  # retries exhausted (never expected): counted, and tried again
                busy += 1
                if busy > 50:
                    break
        return {"redeemed": redeemed, "refused": refused, "busy": busy}
    finally:
        ledger.close()
