"""A realistic synthetic district: households of realistic sizes across Guangzhou's 11 districts, loaded
through the same application services (and so the same events) as real work.

Every demo command carries a deterministic idempotency key, so loading twice writes nothing the second time."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from civicledger.core.clock import business_date
from civicledger.core.guangzhou import DISTRICTS
from civicledger.core.metadata import Actor, CommandContext
from civicledger.demo import names
from civicledger.demo.world import DemoWorld
from civicledger.domains.residents.commands import AddHouseholdMember, EstablishHousehold, RegisterResident
from civicledger.slice import ProgramSlice, Services, resolved

LOADER = Actor(id="demo-loader", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)


@dataclass
class PlannedPerson:
    name: str
    id_number: str
    phone: str | None
    relationship: str


@dataclass
class PlannedHousehold:
    key: str
    district: str
    street: str
    community: str
    residency: str
    people: list[PlannedPerson]


def plan(residents: int, seed: int = 20180811, today: date | None = None) -> list[PlannedHousehold]:
    rng = random.Random(seed)
    today = today or business_date()
    used: set[str] = set()
    households: list[PlannedHousehold] = []
    count = 0
    while count < residents:
        size = min(int(names.weighted(rng, names.HOUSEHOLD_SIZES)), residents - count)  # type: ignore[call-overload]
        district = names.pick_district(rng)
        migrant = rng.random() < 0.38
        area = rng.choice(names.MIGRANT_AREA_CODES) if migrant else DISTRICTS[district].area_code
        surname = str(names.weighted(rng, names.SURNAMES))
        head_male = rng.random() < 0.6
        head_born = names.birth_date(rng, 24, 88, today)
        people = [PlannedPerson(names.chinese_name(rng, surname),
                                names.resident_id(rng, area, head_born, head_male, used),
                                names.phone(rng), "HEAD")]
        if size >= 2:
            spouse_born = names.birth_date(rng, max(20, (today - head_born).days // 365 - 6),
                                           max(22, (today - head_born).days // 365 + 4), today)
            people.append(PlannedPerson(names.chinese_name(rng), names.resident_id(rng, area, spouse_born,
                                        not head_male, used), names.phone(rng), "SPOUSE"))
        head_age = (today - head_born).days // 365
        for _ in range(size - len(people)):
            if head_age > 55 and rng.random() < 0.5:
                born, relation = names.birth_date(rng, 0, 16, today), "GRANDCHILD"
            elif head_age < 45 and rng.random() < 0.25:
                born, relation = names.birth_date(rng, head_age + 20, min(head_age + 35, 95), today), "PARENT"
            else:
                born, relation = names.birth_date(rng, 0, max(1, head_age - 20), today), "CHILD"
            age = (today - born).days // 365
            people.append(PlannedPerson(
                names.chinese_name(rng, surname if relation != "PARENT" else None),
                names.resident_id(rng, area, born, rng.random() < 0.5, used),
                names.phone(rng) if age >= 14 else None, relation,
            ))
        households.append(PlannedHousehold(
            key=f"hh{len(households):06d}", district=district.value, street=names.street_of(rng, district),
            community=names.community(rng), residency="NON_REGISTERED" if migrant else "REGISTERED",
            people=people,
        ))
        count += len(people)
    return households


def _ctx(key: str) -> CommandContext:
    return CommandContext(actor=LOADER, reason="demo data", idempotency_key=f"demo:{key}", origin="civicledger demo")


def load_household(services: Services, h: PlannedHousehold) -> tuple[list[Any], Any]:
    """Register the household's people and establish it; (member ids, household id)."""
    registry = services.residents
    ids = []
    for i, person in enumerate(h.people):
        recorded = registry.register_resident(
            RegisterResident(name=person.name, id_number=person.id_number, district=h.district, street=h.street,
                             community=h.community, residency=h.residency, phone=person.phone),
            _ctx(f"{h.key}:p{i}"),
        )
        ids.append(recorded.stream_id)
    household = registry.establish_household(EstablishHousehold(head_id=ids[0]), _ctx(f"{h.key}:hh"))
    for i, (person, rid) in enumerate(zip(h.people[1:], ids[1:], strict=True), start=1):
        registry.add_household_member(
            AddHouseholdMember(household_id=household.stream_id, resident_id=rid, relationship=person.relationship),
            _ctx(f"{h.key}:m{i}"),
        )
    return ids, household.stream_id


def load_residents(world: DemoWorld) -> None:
    """The residents slice's demo: the planned population, registered and formed into households."""
    with ThreadPoolExecutor(max_workers=world.threads) as pool:
        for ids, household_id in pool.map(lambda h: load_household(world.services, h), world.households):
            world.member_ids.append(ids)
            world.household_ids.append(household_id)
            world.progress(len(ids))


def load(services: Services, residents: int, *, progress: Callable[[int], None] | None = None,
         threads: int = 4, programs: Sequence[ProgramSlice] | None = None) -> int:
    """Load the demo population, then each program's demo over it in the order of the programs list (a year
    of social assistance, three-society linkage in the pilot communities, ...), for every program whose service
    is wired; returns the number of residents. Safe to run again: every command carries a deterministic key."""
    if programs is None:
        from civicledger.programs import PROGRAMS

        programs = PROGRAMS
    world = DemoWorld(services=services, households=plan(residents), threads=threads,
                      progress=progress or (lambda n: None))
    for program in programs:
        if program.demo is not None and program.name in services:
            resolved(program.demo)(world)
    return sum(len(h.people) for h in world.households)
