"""Meal-service tests: the real service on the session's database (the app's projections follow the same
log), with its own injected clock, the 2020 Guangzhou rule seeded once, and a small world per test — canteens
in Haizhu (江海街, 素社街) and Tianhe (石牌街), their staff, and elders registered with memorable ages."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import make_resident_id
from civicledger.domains.meals import commands as c
from civicledger.domains.meals.services import MealService
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY

WEDNESDAY = date(2026, 3, 4)
WEDNESDAY_NOON = datetime(2026, 3, 4, 12, 0, tzinfo=SHANGHAI)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
SUPERVISOR_CHEN = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
CASEWORKER_LI = Actor(id="cw-li", role="caseworker", office="HAIZHU-JIANGHAI-STATION", district="HAIZHU")
CASEWORKER_ZHANG = Actor(id="cw-zhang", role="caseworker", office="TIANHE-SHIPAI-STATION", district="TIANHE")
MONDAY_TO_SATURDAY = (1, 2, 3, 4, 5, 6)

_serial = itertools.count(1)


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


@pytest.fixture(scope="package")
def meals_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=6, max_overflow=4)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(meals_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(meals_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WEDNESDAY_NOON)


@pytest.fixture
def meals(meals_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> MealService:
    service = MealService(meals_ledger, residents=registry, clock=clock)
    service.seed_guangzhou_rule(ctx(ADMIN_WANG))
    return service


def event_count(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        return int(conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()["n"])


@dataclass
class Site:
    id: UUID
    district: str
    street: str
    staff: Actor


@dataclass
class World:
    """Canteens of this test (offices unique per test, so staff of one test act for its canteens only)."""

    meals: MealService
    registry: ResidentRegistry
    tag: str = field(default_factory=lambda: f"T{next(_serial):04d}")

    def canteen(self, district: str = "HAIZHU", street: str = "江海街", *, kind: str = "CANTEEN",
                kitchen: Site | None = None, days: tuple[int, ...] = MONDAY_TO_SATURDAY,
                name: str = "江海街长者饭堂") -> Site:
        office = f"{district}-CANTEEN-{self.tag}-{street}-{kind[:1]}"
        staff = Actor(id=f"staff-{office}", role="caseworker", office=office, district=district)
        recorded = self.meals.register_canteen(c.RegisterCanteen(
            name=name, kind=kind, operator_type="SOCIAL_OPERATOR", operator_name="颐康餐饮服务有限公司",
            district=district, street=street, capacity=80, opening_days=days, office=office,
            kitchen_id=kitchen.id if kitchen else None), ctx(ADMIN_WANG))
        return Site(recorded.stream_id, district, street, staff)

    def resident(self, born: date, district: str = "HAIZHU", street: str = "江海街", name: str = "陈秀英",
                 phone: str | None = "13800138000") -> UUID:
        actor = CASEWORKER_LI if district == "HAIZHU" else CASEWORKER_ZHANG if district == "TIANHE" else Actor(
            id=f"cw-{district.lower()}", role="caseworker", office=f"{district}-STATION", district=district)
        seq = 2 * (next(_serial) % 400) + 2  # even: female
        id_number = make_resident_id("440183", born, seq)
        return self.registry.register_resident(RegisterResident(
            name=name, id_number=id_number, district=district, street=street, community="红卫社区", phone=phone),
            ctx(actor)).stream_id

    def elder(self, born: date, district: str = "HAIZHU", street: str = "江海街", status: str = "ORDINARY",
              disabled: bool = False, name: str = "陈秀英") -> UUID:
        resident = self.resident(born, district, street, name)
        actor = CASEWORKER_LI if district == "HAIZHU" else CASEWORKER_ZHANG if district == "TIANHE" else Actor(
            id=f"cw-{district.lower()}", role="caseworker", office=f"{district}-STATION", district=district)
        self.meals.enrol_elder(c.EnrolElder(resident, status, disabled, ("LOW_SALT",), "软饭"), ctx(actor))
        return resident

    def batch(self, kitchen: Site, *, product: str = "鸡蛋", received: date = WEDNESDAY,
              expires: date = date(2026, 3, 20)) -> UUID:
        return self.meals.receive_supplier_batch(c.ReceiveSupplierBatch(
            kitchen.id, "广州市新鲜农产品有限公司", product, "30", "KG", received, expires, "JY14401050001234"),
            ctx(kitchen.staff)).stream_id

    def run(self, kitchen: Site, *batches: UUID, on: date = WEDNESDAY, dish: str = "番茄炒蛋") -> UUID:
        return self.meals.record_production_run(c.RecordProductionRun(kitchen.id, on, dish, 120, tuple(batches)),
                                                ctx(kitchen.staff)).stream_id

    def serve(self, site: Site, *elders: UUID, runs: tuple[UUID, ...], on: date = WEDNESDAY,
              sitting: str = "LUNCH", mode: str = "EAT_IN", correction: str | None = None) -> tuple[UUID, int]:
        recorded = self.meals.record_meals(c.RecordMeals(site.id, on, tuple(
            c.MealLine(e, sitting, mode, runs) for e in elders), correction), ctx(site.staff))
        return recorded.stream_id, recorded.position


@pytest.fixture
def world(meals: MealService, registry: ResidentRegistry) -> World:
    return World(meals, registry)


def born_aged(age: int, on: date = WEDNESDAY) -> date:
    """A birth date making someone `age` on `on` (born in spring, some years before)."""
    return date(on.year - age, 1, 15)
