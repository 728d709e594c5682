"""Charity tests: the real charity service on the session's database, its `SourceCases` port adapted (as the
runtime does) over the real linkage and casework services; a linkage world (a community, its staff, residents
冼嘉怡 and 麦伟雄) and a casework world (stations with their social workers) per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.domains.casework.services import CaseworkService
from civicledger.domains.charity import commands as c
from civicledger.domains.charity.services import CharityService
from civicledger.domains.linkage.services import LinkageService
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.programs.charity import SourceCasesAdapter
from civicledger.slice import Services
from tests.casework.conftest import World as CaseworkWorld
from tests.casework.conftest import build_world as casework_world
from tests.conftest import MASTER_KEY
from tests.linkage.conftest import World as LinkageWorld
from tests.linkage.conftest import build_world as linkage_world

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CASEWORKER_ZHANG = Actor(id="cw-zhang", role="caseworker", office="TIANHE-SHIPAI-STATION", district="TIANHE")
CHARITY_PLATFORM = Actor(id="int-gz-charity", role="integrator", office="GZ-CHARITY-PLATFORM")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


def event_count(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        return int(conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()["n"])


@pytest.fixture(scope="package")
def charity_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=4, max_overflow=2)
    yield ledger
    ledger.close()


@dataclass
class Programs:
    registry: ResidentRegistry
    linkage: LinkageService
    casework: CaseworkService
    charity: CharityService


@pytest.fixture
def programs(charity_ledger: Ledger) -> Programs:
    clock = FixedClock(MONDAY_9AM)
    registry = ResidentRegistry(charity_ledger, clock=clock)
    linkage = LinkageService(charity_ledger, residents=registry, clock=clock)
    casework = CaseworkService(charity_ledger, residents=registry, clock=clock)
    sources = SourceCasesAdapter(Services(residents=registry, linkage=linkage, casework=casework))
    return Programs(registry, linkage, casework, CharityService(charity_ledger, sources=sources, residents=registry,
                                                                clock=clock))


@pytest.fixture
def community(programs: Programs) -> LinkageWorld:
    return linkage_world(programs.linkage, programs.registry)


@pytest.fixture
def stations(programs: Programs) -> CaseworkWorld:
    return casework_world(programs.casework, programs.registry)


def an_offer(charity: CharityService, *, kind: str = "MONEY", quantity: str = "5000", categories: tuple[str, ...] = (),
             districts: tuple[str, ...] = (), donor: str | None = None) -> uuid.UUID:
    return charity.register_charity_offer(c.RegisterCharityOffer(
        donor or f"广州市某慈善基金会{uuid.uuid4().hex[:4]}", kind, quantity, "助医助学专项捐款", categories, districts),
        ctx(CHARITY_PLATFORM)).stream_id
