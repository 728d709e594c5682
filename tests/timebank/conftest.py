"""Time-bank tests: the real service on the session's database (the app's projections follow the same log),
with a small world per test — volunteers registered in Haizhu and Tianhe, households, an organising party
(a social organisation's office) that verifies their hours."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import make_resident_id
from civicledger.domains.residents.commands import AddHouseholdMember, EstablishHousehold, RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from civicledger.domains.timebank import commands as c
from civicledger.domains.timebank.services import TimeBankService
from tests.conftest import MASTER_KEY

CLAIMS_SECRET = b"claims" * 6
SATURDAY = date(2026, 3, 7)
MONDAY_MORNING = datetime(2026, 3, 9, 9, 30, tzinfo=SHANGHAI)
CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CASEWORKER_ZHANG = Actor(id="cw-zhang", role="caseworker", office="TIANHE-SHIPAI-STATION", district="TIANHE")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")

_serial = itertools.count(1)


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


def event_count(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        return int(conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()["n"])


@pytest.fixture(scope="package")
def timebank_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=CLAIMS_SECRET, pool_size=6, max_overflow=4)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(timebank_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(timebank_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_MORNING)


@pytest.fixture
def timebank(timebank_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> TimeBankService:
    return TimeBankService(timebank_ledger, residents=registry, clock=clock)


@dataclass
class World:
    """An organising party of this test (its office unique per test) and helpers that make volunteers."""

    timebank: TimeBankService
    registry: ResidentRegistry
    tag: str = field(default_factory=lambda: f"T{next(_serial):04d}-{UUID(int=next(_serial)).hex[-6:]}")

    @property
    def organiser(self) -> Actor:
        return Actor(id=f"org-staff-{self.tag}", role="caseworker", office=f"SOCIAL-ORG-{self.tag}",
                     district="HAIZHU")

    def volunteer(self, district: str = "HAIZHU", street: str = "江海街") -> UUID:
        actor = CASEWORKER_LI if district == "HAIZHU" else CASEWORKER_ZHANG
        seq = 2 * (next(_serial) % 400) + 1
        id_number = make_resident_id("440105", date(1975, 6, 1), seq)
        return self.registry.register_resident(RegisterResident(
            name="李志强", id_number=id_number, district=district, street=street, community="红卫社区",
            phone="13900139000"), ctx(actor)).stream_id

    def household(self, head: UUID, *members: UUID) -> UUID:
        household = self.registry.establish_household(EstablishHousehold(head), ctx(CASEWORKER_LI)).stream_id
        for member in members:
            self.registry.add_household_member(AddHouseholdMember(household, member, "CHILD"), ctx(CASEWORKER_LI))
        return household

    def record(self, volunteer: UUID, hours: str = "3", on: date = SATURDAY, by: Actor = CASEWORKER_LI) -> UUID:
        return self.timebank.record_volunteer_service(c.RecordVolunteerService(
            volunteer, self.organiser.office or "", "海珠区启智社会工作服务中心", "ELDER_CARE", on, hours,
            "陪伴独居长者、读报"), ctx(by)).stream_id

    def verified(self, volunteer: UUID, hours: str = "3") -> UUID:
        record = self.record(volunteer, hours)
        self.timebank.verify_volunteer_service(c.VerifyVolunteerService(record), ctx(self.organiser))
        return record

    def balance(self, volunteer: UUID) -> Decimal:
        account = self.timebank.find_account(volunteer)
        return account.balance if account else Decimal("0")


@pytest.fixture
def world(timebank: TimeBankService, registry: ResidentRegistry) -> World:
    return World(timebank, registry)
