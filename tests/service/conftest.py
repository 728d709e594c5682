from __future__ import annotations

from collections.abc import Iterator

import pytest

from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY

CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
# The city's registry office acts in every district (as integrators and admins may).
REGISTRY_OFFICE = Actor(id="registry-office", role="integrator", office="CITY-REGISTRY")


@pytest.fixture(scope="package")
def ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=12, max_overflow=8)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(ledger)


def ctx(reason: str | None = None, key: str | None = None, actor: Actor = CASEWORKER_LI) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")
