"""Marriage tests: the real service on the session's database (the app's projections follow the same log),
with its own injected clock, and residents registered with memorable birth dates."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

import pytest

from civicledger.core.clock import SHANGHAI, FixedClock
from civicledger.core.db import ConnectionParams
from civicledger.core.eventstore.application import Ledger
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import make_resident_id
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.services import MarriageService
from civicledger.domains.residents.commands import RegisterResident
from civicledger.domains.residents.errors import ResidentIdNumberTakenError
from civicledger.domains.residents.services import ResidentRegistry
from tests.conftest import MASTER_KEY, personal

TODAY = date(2026, 5, 20)
ADMIN_WANG = Actor(id="admin-wang", role="admin", office="CIVIL-AFFAIRS-BUREAU")
REGISTRAR_HAIZHU = Actor(id="reg-huang", role="caseworker", office="HAIZHU-MARRIAGE-REGISTRY", district="HAIZHU")
REGISTRAR_TIANHE = Actor(id="reg-liang", role="caseworker", office="TIANHE-MARRIAGE-REGISTRY", district="TIANHE")
SUPERVISOR_HAIZHU = Actor(id="sup-chen", role="supervisor", office="HAIZHU-CIVIL-AFFAIRS", district="HAIZHU")
SUPERVISOR_TIANHE = Actor(id="sup-he", role="supervisor", office="TIANHE-CIVIL-AFFAIRS", district="TIANHE")
INSPECTOR_ZHOU = Actor(id="insp-zhou", role="inspector", office="AUDIT-BUREAU")
CASEWORKER_PANYU = Actor(id="cw-panyu", role="caseworker", office="PANYU-STATION", district="PANYU")

_rng = random.Random()


def ctx(actor: Actor, reason: str | None = None, key: str | None = None) -> CommandContext:
    return CommandContext(actor=actor, reason=reason, idempotency_key=key, origin="test")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture(scope="package")
def marriage_ledger(app_db: ConnectionParams) -> Iterator[Ledger]:
    ledger = Ledger(app_db, master_key=MASTER_KEY, claims_secret=b"claims" * 6, pool_size=4, max_overflow=4)
    yield ledger
    ledger.close()


@pytest.fixture(scope="package")
def registry(marriage_ledger: Ledger) -> ResidentRegistry:
    return ResidentRegistry(marriage_ledger)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at(TODAY))


@pytest.fixture
def marriage(marriage_ledger: Ledger, registry: ResidentRegistry, clock: FixedClock) -> MarriageService:
    return MarriageService(marriage_ledger, residents=registry, clock=clock)


def register_person(registry: ResidentRegistry, born: date, *, male: bool, district: str = "PANYU",
                    street: str = "市桥街", name: str = "李明") -> UUID:
    """A resident of the registry with this birth date (the ID number says it), unique per call."""
    for _ in range(50):
        seq = _rng.randrange(1, 998)
        if (seq % 2 == 1) != male:
            seq += 1
        try:
            return registry.register_resident(RegisterResident(
                name=personal(name), id_number=personal(make_resident_id("440113", born, seq)), district=district,
                street=street, community="大北社区", phone=None),
                ctx(Actor(id="cw-reg", role="caseworker", office=f"{district}-STATION", district=district))
            ).stream_id
        except ResidentIdNumberTakenError:
            continue
    raise RuntimeError("no free ID number")


@dataclass
class Couple:
    husband: UUID
    wife: UUID


@dataclass
class World:
    marriage: MarriageService
    registry: ResidentRegistry
    clock: FixedClock

    def man(self, born: date = date(1995, 3, 8)) -> UUID:
        return register_person(self.registry, born, male=True, name="李明")

    def woman(self, born: date = date(1997, 7, 1)) -> UUID:
        return register_person(self.registry, born, male=False, name="陈静", district="HAIZHU", street="江海街")

    def couple(self) -> Couple:
        return Couple(self.man(), self.woman())

    def marry(self, couple: Couple, by: Actor = REGISTRAR_HAIZHU, office: str | None = None) -> UUID:
        return self.marriage.register_marriage(c.RegisterMarriage(couple.husband, couple.wife, office=office),
                                               ctx(by)).stream_id

    def on(self, day: date) -> None:
        self.clock.set(at(day))


@pytest.fixture
def world(marriage: MarriageService, registry: ResidentRegistry, clock: FixedClock) -> World:
    return World(marriage, registry, clock)


def event_count(ledger: Ledger) -> int:
    with ledger.datastore.get_connection() as conn:
        return int(conn.execute("SELECT coalesce(max(notification_id), 0) AS n FROM events").fetchone()["n"])
