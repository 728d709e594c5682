"""Marriage registration demo data: the demo population's married couples (a household's head and spouse of
opposite genders) registered at their home district's office on a date after the city-wide start (29 January
2018) when both were of age; one couple in eight since divorced (applied 50 days ago, registered 15 days ago),
one in thirteen with an application still in its cooling-off period.

Everything goes through the service as an admin naming the office, on a demo clock set to each command's date,
with a deterministic idempotency key per command: loading twice writes nothing the second time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from civicledger.core.clock import SHANGHAI, FixedClock, business_date
from civicledger.core.errors import CivicError
from civicledger.core.metadata import Actor, CommandContext
from civicledger.core.resident_id import parse_resident_id
from civicledger.domains.marriage import commands as c
from civicledger.domains.marriage.rules import MINIMUM_AGE
from civicledger.domains.marriage.services import MarriageService

if TYPE_CHECKING:
    from civicledger.demo.world import DemoWorld

ADMIN = Actor(id="demo-loader", role="admin", office="CIVIL-AFFAIRS-BUREAU", district=None)
CITY_WIDE_SINCE = date(2018, 1, 29)


def _ctx(key: str) -> CommandContext:
    return CommandContext(actor=ADMIN, reason="demo data", idempotency_key=f"demo-marriage:{key}",
                          origin="civicledger demo")


def _of_age(born: date, gender: str) -> date:
    try:
        return born.replace(year=born.year + MINIMUM_AGE[gender])
    except ValueError:  # 29 February
        return date(born.year + MINIMUM_AGE[gender], 3, 1)


def load_marriage_for(world: DemoWorld, today: date | None = None) -> int:
    """Register the demo couples; the number of marriages."""
    today = today or business_date()
    clock = FixedClock(datetime.combine(today, time(10), tzinfo=SHANGHAI))
    live: MarriageService = world.services.marriage
    service = MarriageService(live.ledger, residents=world.services.residents, clock=clock)

    def on(day: date) -> None:
        clock.set(datetime.combine(day, time(10), tzinfo=SHANGHAI))

    married = 0
    for n, (household, ids) in enumerate(zip(world.households, world.member_ids, strict=True)):
        people = household.people
        if len(people) < 2 or people[1].relationship != "SPOUSE":
            continue
        head, spouse = (parse_resident_id(p.id_number, today=today) for p in people[:2])
        if head.gender == spouse.gender:
            continue
        of_age = max(_of_age(head.birth_date, head.gender), _of_age(spouse.birth_date, spouse.gender),
                     CITY_WIDE_SINCE)
        if of_age > today - timedelta(days=120):
            continue
        on(of_age + timedelta(days=n % 90))
        try:
            marriage_id = service.register_marriage(c.RegisterMarriage(ids[0], ids[1], office=household.district),
                                                    _ctx(f"{household.key}:marry")).stream_id
        except CivicError:  # someone of this population the rules refuse: the demo has no such couple to show
            continue
        married += 1
        if n % 8 == 0:
            on(today - timedelta(days=50))
            service.apply_for_divorce(c.ApplyForDivorce(marriage_id, office=household.district),
                                      _ctx(f"{household.key}:apply"))
            on(today - timedelta(days=15))
            service.register_divorce(c.RegisterDivorce(marriage_id, office=household.district),
                                     _ctx(f"{household.key}:divorce"))
        elif n % 13 == 0:
            on(today - timedelta(days=10))
            service.apply_for_divorce(c.ApplyForDivorce(marriage_id, office=household.district),
                                      _ctx(f"{household.key}:apply"))
        world.progress(0)
    return married


def load_marriage(world: DemoWorld) -> None:
    load_marriage_for(world)
